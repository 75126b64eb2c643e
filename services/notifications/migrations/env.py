from switchyard.common.db.migrations import run_env
from switchyard.notifications.adapters.orm import metadata

run_env(metadata)
