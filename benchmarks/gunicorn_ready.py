"""gunicorn settings for the load benchmark: each worker leaves a file once the app is loaded.

The first worker to boot answers /healthz while the others are still importing the app
(scipy and statsmodels included); timing from then on would count their start-up CPU
as load. ``survey_load.py`` waits for one file per worker instead.
"""

import os
from pathlib import Path


def post_worker_init(worker) -> None:  # noqa: ANN001 - gunicorn's hook signature
    Path(os.environ["BENCHMARK_READY_DIR"], str(worker.pid)).touch()
