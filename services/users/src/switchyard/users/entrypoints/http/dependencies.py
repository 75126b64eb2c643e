"""Dependency providers of the users controllers."""

from __future__ import annotations

from litestar.di import NamedDependency

from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork

# Handler parameter ``uow: Uow``: a fresh unit of work per request, provided app-wide by bootstrap.
Uow = NamedDependency[UsersUnitOfWork]
