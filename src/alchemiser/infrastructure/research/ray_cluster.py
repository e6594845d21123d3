"""Research work on a Ray cluster (`--ray auto|local|ADDRESS`), an optional extra.

The job (price history, symphonies, settings) is put in Ray's object store once, and each
worker process deserializes it once (`_JobCache`), not once per task: a task receives the
job's reference wrapped in a list, which Ray leaves unresolved. Deserializing is not free: the
price arrays come zero-copy, but the symphony trees are rebuilt object by object (the shared
corpus's 62 trees pickle to 4 MB and took 4.7–5.4 s to load on a 2-core machine at load 10,
while its 31 MB of prices took 0.16 s), and before this cache every task of a corpus run paid
it again — what made the corpus slow on Ray while the
pool (forked workers inherit the job) did not. Tasks are sent in batches of about a quarter of a
core's share, so each Ray task carries seconds of work against a few milliseconds of
scheduling while stragglers can still be balanced.

Workers import `alchemiser` from their own Python: a local cluster started from this
environment has it; a remote cluster needs the package installed on its nodes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from alchemiser.application.research.executor import Progress, batch_size
from alchemiser.application.research.models import VariantResult
from alchemiser.application.research.work import ResearchJob, ResearchTask, run_batch
from alchemiser.domain.errors import ConfigurationError

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "Install the optional extra: `pip install 'alchemiser[ray]'` (in this repository: "
    "`.tools/bin/uv sync --extra ray`), or run without --ray to use the local process pool."
)


def import_ray() -> ModuleType:
    """Ray, or a ConfigurationError that says how to get it."""
    try:
        import ray
    except ImportError:
        raise ConfigurationError(
            "--ray needs the Ray package, which is not installed",
            context={"option": "--ray"},
            suggested_action=INSTALL_HINT,
        ) from None
    module: ModuleType = ray  # typed the same whether or not Ray's own stubs are installed
    return module


class _JobCache:
    """The one job a worker process works on, fetched from the object store on first use.

    Keyed by the object's id, so a long-lived worker given a new job (the next sweep on the same
    cluster) fetches that one and drops the previous one (its history is released)."""

    def __init__(self) -> None:
        self._key: str | None = None
        self._job: ResearchJob | None = None

    def get(self, ref: Any, fetch: Callable[[Any], ResearchJob]) -> ResearchJob:
        key = ref.hex()
        if self._job is None or key != self._key:
            self._key, self._job = None, None  # release the previous job before fetching
            self._job = fetch(ref)
            self._key = key
        return self._job


_worker_jobs = _JobCache()


def _ray_batch(job_ref: list[Any], tasks: Sequence[ResearchTask]) -> list[VariantResult]:
    """A Ray task: `job_ref` is [ObjectRef] (in a list so that Ray does not resolve it)."""
    import ray

    return run_batch(_worker_jobs.get(job_ref[0], ray.get), tasks)


class RayExecutor:
    """`address`: "auto" (a running cluster, else a local one started for this run), "local"
    (always a new local instance) or a cluster address (`HOST:PORT`, `ray://HOST:PORT`)."""

    def __init__(self, address: str = "auto") -> None:
        self.address = address.strip() or "auto"
        self._cpus = 0

    @property
    def name(self) -> str:
        cpus = f", {self._cpus} CPUs" if self._cpus else ""
        return f"ray ({self.address}{cpus})"

    def _connect(self, ray: ModuleType) -> bool:
        """Initialise Ray unless already; True when this call did (and so must shut down)."""
        if ray.is_initialized():
            return False
        options: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": logging.WARNING,
        }
        if self.address == "local":
            ray.init(**options)
            return True
        try:
            ray.init(address=self.address, **options)
        except ConnectionError as exc:
            if self.address != "auto":
                raise ConfigurationError(
                    f"cannot reach the Ray cluster at {self.address}: {exc}",
                    context={"option": "--ray"},
                    suggested_action="Start it (`ray start --head`) or check the address.",
                ) from None
            log.warning("no running Ray cluster found; starting a local one for this run")
            ray.init(**options)
        return True

    def run(
        self,
        job: ResearchJob,
        tasks: Sequence[ResearchTask],
        progress: Progress | None = None,
    ) -> list[VariantResult]:
        ray = import_ray()
        started = self._connect(ray)
        try:
            self._cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
            remote = ray.remote(num_cpus=1, max_retries=0)(_ray_batch)
            job_ref = ray.put(job)
            size = batch_size(len(tasks), self._cpus, per_worker=4)
            pending = [
                remote.remote([job_ref], list(tasks[i : i + size]))
                for i in range(0, len(tasks), size)
            ]
            rows: list[VariantResult] = []
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:
                    rows.extend(ray.get(ref))
                if progress is not None:
                    progress(len(rows), len(tasks))
        finally:
            if started:
                ray.shutdown()
        return sorted(rows, key=lambda r: r.index)
