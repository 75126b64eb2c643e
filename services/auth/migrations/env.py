from switchyard.auth.adapters.orm import metadata
from switchyard.common.db.migrations import run_env

run_env(metadata)
