from switchyard.common.db.migrations import run_env
from switchyard.users.adapters.orm import metadata

run_env(metadata)
