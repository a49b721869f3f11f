"""gunicorn settings that belong to the app (gunicorn reads ./gunicorn.conf.py by itself).

With PROMETHEUS_MULTIPROC_DIR set, every gunicorn process writes its request metrics to
files in that folder and /metrics adds them up (prometheus_client's multiprocess mode).
The folder is emptied when gunicorn starts, so counts begin at zero with the server.
Everything else (workers, bind address) stays on the command line.
"""

import glob
import os


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for path in glob.glob(os.path.join(directory, "*.db")):
            os.remove(path)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
