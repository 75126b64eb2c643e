# Switchyard developer entry points. `make` alone lists them.
# The local stack runs without Docker; all its state lives in $(STACK_DIR) (default .stack/).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export UV_PYTHON_DOWNLOADS := never

# The stack tool needs only the standard library, so it runs before the venv exists. pyenv's
# python3.12 shim fails when another version is selected, so look for the real binary first.
PYTHON312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) \
                         $(wildcard /usr/bin/python3.12 /usr/local/bin/python3.12) python3.12)
STACK := $(PYTHON312) $(ROOT)/deploy/local/stack.py
VENV_BIN := $(ROOT)/.venv/bin
# mypy refuses a folder that holds no Python file, so only folders with code are checked.
TYPED_DIRS := $(foreach d,libs services tools deploy bench,$(if $(shell find $(ROOT)/$(d) -name '*.py' -print -quit 2>/dev/null),$(d)))

.PHONY: help provision k8s-tools bootstrap venv up infra-up down clean status logs test lint fmt k8s

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

provision: ## install what is missing: uv, the venv, redis-server/nginx (apt), Kafka jars (Maven)
	@$(STACK) provision

k8s-tools: ## provision, plus what the Kubernetes manifests' tests need: kustomize, CRDs, checkov (Go, JDK 21+)
	@$(STACK) provision --k8s-tools

bootstrap: provision ## same as provision

venv: ## install uv if missing and sync the venv from uv.lock
	@$(STACK) provision --venv-only

up: provision ## start the whole local stack (idempotent) and wait until it is healthy
	@$(STACK) up

infra-up: provision ## start only Postgres, Redis, Kafka and the mail sink
	@$(STACK) infra-up

down: ## stop exactly what the stack started
	@$(STACK) down

clean: ## stop the stack and delete its data, logs and generated configs (keeps secrets and caches)
	@$(STACK) down --purge

status: ## state, pid, port and health of every part of the stack
	@$(STACK) status

logs: ## show logs: make logs [NAME=auth] [FOLLOW=1]
	@$(STACK) logs $(NAME) $(if $(FOLLOW),--follow)

test: k8s-tools ## run the whole test suite against a freshly started stack (PYTEST_ARGS=... to narrow)
	@$(STACK) test

k8s: ## render deploy/k8s: make k8s [OVERLAY=dev|prod] (one overlay to stdout, else both to .stack/k8s/)
	@cd $(ROOT) && $(PYTHON312) -m deploy.local.k8s_tools $(if $(OVERLAY),--overlay $(OVERLAY))

lint: venv ## ruff check, ruff format --check, mypy
	@cd $(ROOT) && $(VENV_BIN)/ruff check .
	@cd $(ROOT) && $(VENV_BIN)/ruff format --check .
	@cd $(ROOT) && $(VENV_BIN)/mypy $(TYPED_DIRS)

fmt: venv ## format and autofix with ruff
	@cd $(ROOT) && $(VENV_BIN)/ruff format .
	@cd $(ROOT) && $(VENV_BIN)/ruff check --fix .
