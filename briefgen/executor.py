"""Where the per-document stage runs: each corpus file read, its documents selected and the window's ones
extracted, a chunk of files at a time, in this process (`local`), on this machine's cores (`processes`) or on
a Dask cluster (`dask`).

Documents are independent (the filer scores each document's sentences on its own), so a chunk gives the same
facts as one pass over the corpus, and every file's result is put back in the corpus's order whatever finished
first: the briefing is the same, byte for byte, from every executor. Merging and composing need every fact at
once and run here. A worker opens the corpus folder and the cache itself, from their paths.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.cache import Counts, DocumentCache, cache_key, opened
from briefgen.errors import InputError
from briefgen.ingest import CorpusFile, FileCache, ReadContext, content_digests, read_files
from briefgen.models import Diagnostic, Progress, Selection, Window
from briefgen.topic import TopicFile

if TYPE_CHECKING:
    from briefgen.summarise.extract import Fact

log = logging.getLogger(__name__)

EXECUTORS = ("auto", "local", "processes", "dask")
# A task's files: enough that sending the task and its result costs little beside the work, few enough that a
# thousand files keep every core busy to the end (and a result is a chunk's facts, not the corpus's). A chunk
# also ends at CHUNK_BYTES, since one feed or JSONL file may hold as many articles as fifty others.
CHUNK_FILES = 50
CHUNK_BYTES = 64 * 1024
# The least work, in chunks, that `auto` hands to worker processes: each starts by importing briefgen and
# loading the filer's model (a second or two of a core), which a few chunks read here would not repay
POOL_CHUNKS = 8
# The numeric libraries' thread pools: a worker shares the machine with the others
SINGLE_THREADED = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Job:
    """What every chunk needs besides its files; sent with each one, so it holds paths, not open files."""

    root: Path  # absolute: a worker's folder is not ours
    reference: date
    window: Window
    topic: TopicFile
    section_ids: tuple[str, ...]  # none: read and select only (`sources`, `check`)
    seconds: float  # a file's reading time budget
    cache: Path | None = None
    write: bool = True  # whether the cache may be written
    collect: bool = False  # the workers may not open the cache: they send what they would write back instead

    @cached_property
    def _settings(self) -> tuple[str, ...]:
        from briefgen.summarise.extract import extraction_settings  # after a worker's thread limits (run_chunk)

        window = (self.window.start.isoformat(), self.window.end.isoformat())
        return (*window, *extraction_settings(self.topic, self.section_ids, self.reference))

    def done_key(self, rel: str, digest: str) -> str:
        """The key of a file's result (`FileResult`) when its bytes were read, selected and extracted with these
        settings: a rerun takes it whole, reading, selecting and extracting nothing."""
        return cache_key("file", digest, rel, *self._settings)


@dataclass(frozen=True)
class FileResult:
    """One corpus file through the stage: its documents' verdicts (a left-out one without its text), the
    warnings met reading it, and its window documents' facts and extraction warnings."""

    selections: tuple[Selection, ...]
    diagnostics: tuple[Diagnostic, ...]
    facts: tuple[Fact, ...] = ()
    skipped: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class ChunkResult:
    """A worker's answer: its files' results, its cache lookups for the run's log, and (`Job.collect`) the
    entries for the run's cache to store."""

    files: tuple[FileResult, ...]
    counts: Counts = field(default_factory=dict)
    entries: dict[str, bytes] = field(default_factory=dict)


def run_chunk(job: Job, files: Sequence[CorpusFile], cache: DocumentCache | None) -> list[FileResult]:
    """The stage for a chunk of files, in this process."""
    # imported here, so that a worker has set its thread limits before numpy loads (`_start_worker`)
    from briefgen.select import select
    from briefgen.summarise import extract

    ctx = ReadContext(job.reference, seconds=job.seconds)
    read = read_files(job.root, files, ctx, cache)
    documents = [document for each in read for document in each.documents]
    selections = select(documents, job.window, job.topic)
    facts: list[Fact] = []
    skipped: list[Diagnostic] = []
    if job.section_ids:
        included = [s.document for s in selections if s.included]
        facts, skipped = extract(included, job.topic, list(job.section_ids), job.reference, None, cache)
    # each document's file, to hand every file its own verdicts, facts and warnings back
    file_of = {document.key: index for index, each in enumerate(read) for document in each.documents}
    by_file: list[tuple[list[Selection], list[Fact], list[Diagnostic]]] = [([], [], []) for _ in read]
    for selection in selections:
        by_file[file_of[selection.document.key]][0].append(selection.without_text())
    for fact in facts:
        by_file[file_of[fact.document.key]][1].append(fact)
    for diagnostic in skipped:
        by_file[file_of[diagnostic.path]][2].append(diagnostic)
    results = [
        FileResult(tuple(chosen), each.diagnostics, tuple(found), tuple(lost))
        for each, (chosen, found, lost) in zip(read, by_file, strict=True)
    ]
    if cache is not None and job.section_ids:
        whole = cache.batch("whole files (read and extracted)")
        for file, each, result in zip(files, read, results, strict=True):
            if each.digest is not None:
                whole.remember(job.done_key(file.rel, each.digest), result)
        whole.save()
    return results


def remote_chunk(job: Job, files: Sequence[CorpusFile]) -> ChunkResult:
    """The stage for a chunk of files in a worker, with the cache opened from its path, or collecting."""
    if job.collect:
        collecting = DocumentCache.collecting()
        results = run_chunk(job, files, collecting)
        return ChunkResult(tuple(results), collecting.counted(), collecting.collected or {})
    with opened(job.cache, write=job.write, prune=False) as cache:
        results = run_chunk(job, files, cache)
        return ChunkResult(tuple(results), cache.counted() if cache else {})


def finished(
    job: Job, files: Sequence[CorpusFile], cache: DocumentCache | None, digests: Sequence[str | None] | None = None
) -> list[FileResult | None]:
    """Each file's result as an earlier run made it, where the cache has it (the file's content the same, and
    its result kept with these settings): such a file is not parsed, selected or extracted again, nor even read
    when its stamp is unchanged. `digests`: the files' content digests, when the caller has just taken them."""
    found: list[FileResult | None] = [None] * len(files)
    if cache is None or not job.section_ids:
        return found
    whole = cache.batch("whole files (read and extracted)")
    digests = digests if digests is not None else content_digests(job.root, files, cache)
    known = [(index, digest) for index, digest in enumerate(digests) if digest is not None]
    # one query for all: a rerun of 10,000 files spent a third of its lookups' time asking one key at a time
    looked = whole.lookup_many([job.done_key(files[index].rel, digest) for index, digest in known], FileResult)
    for (index, _), result in zip(known, looked, strict=True):
        found[index] = result
    whole.save()
    return found


def read_before(job: Job, files: Sequence[CorpusFile], cache: DocumentCache | None) -> list[bool]:
    """Whether the cache holds each file's reading: when only surveying, taking those here costs less than a
    worker."""
    if cache is None:
        return [False] * len(files)
    known = FileCache(cache, job.root, job.reference)
    digests = content_digests(job.root, files, cache)
    return [
        digest is not None and known.known(file.rel, digest) is not None
        for file, digest in zip(files, digests, strict=True)
    ]


def cpus() -> int:
    """The cores this process may run on (its affinity, or a container's limit where Python knows it)."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13
    if count is not None:
        return count() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


Pool = Callable[[Job, list[list[CorpusFile]]], Iterator[ChunkResult]]  # chunks -> results, in their order


def _start_worker() -> None:
    # Ctrl-C reaches the whole process group: the parent stops the run, and a worker hit mid-file would
    # only add its own traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(format="briefgen: %(message)s")  # a warning (a cache it cannot use) as the parent's are
    # one thread each: the workers are as many as the cores already (a limit the user set is kept)
    for name in SINGLE_THREADED:
        os.environ.setdefault(name, "1")


@contextmanager
def process_pool(workers: int) -> Iterator[Pool]:
    """Worker processes started afresh (spawn: a fork of the editors' page would copy its threads' locks held),
    each running a chunk in its main thread, where the reading time budget's alarm arrives."""
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker)
    try:
        yield lambda job, chunks: executor.map(partial(remote_chunk, job), chunks)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def dask_pool(address: str | None) -> Iterator[Pool]:
    """The chunks on a Dask cluster's workers, each of which must reach the corpus folder at the same path.
    They do not open the cache (`Job.collect`): the run's own process looks files up and stores what they made."""
    if address is None:
        raise InputError("--executor dask: expected --scheduler ADDRESS (or `scheduler:` in the config)")
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--executor dask: Dask is not installed (pip install 'briefgen[dask]')") from None
    try:
        client = Client(address, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"{address}: cannot reach the Dask scheduler ({exc})") from None

    def run(job: Job, chunks: list[list[CorpusFile]]) -> Iterator[ChunkResult]:
        collecting = replace(job, cache=None, collect=job.cache is not None and job.write)
        futures = client.map(partial(remote_chunk, collecting), chunks, pure=False)
        for future in futures:  # in order, each gathered as soon as it and the ones before it are done
            yield future.result()
            future.release()

    try:
        yield run
    finally:
        client.close()


def _processes(chunks: int) -> int:
    return min(cpus(), chunks)


def _workers(executor: str, chunks: int) -> str:
    return "a Dask cluster" if executor == "dask" else f"{_processes(chunks)} worker process(es)"


@contextmanager
def pool(executor: str, scheduler: str | None, chunks: int) -> Iterator[Pool]:
    if executor == "dask":
        with dask_pool(scheduler) as found:
            yield found
    else:
        with process_pool(_processes(chunks)) as found:
            yield found


def chunked(files: Sequence[CorpusFile], indices: list[int]) -> list[list[int]]:
    """The files at `indices`, in their order, in chunks of CHUNK_FILES files or CHUNK_BYTES bytes."""
    chunks: list[list[int]] = []
    size = 0
    for index in indices:
        if not chunks or len(chunks[-1]) == CHUNK_FILES or size >= CHUNK_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(index)
        size += files[index].size
    return chunks


@dataclass
class Tally:
    """How far the stage has come, for the progress line and the editors' page."""

    progress: Progress | None
    files: int
    extracting: bool
    read: int = 0
    extracted: int = 0

    def add(self, results: Sequence[FileResult]) -> None:
        if self.progress is None:
            return
        self.read += len(results)
        if self.extracting:  # how many documents the window takes is known only at the end: no total
            self.extracted += sum(s.included for result in results for s in result.selections)
            self.progress("extract", self.extracted, 0)
        self.progress("read", self.read, self.files)


def run_stage(
    job: Job,
    files: list[CorpusFile],
    executor: str,
    scheduler: str | None = None,
    cache: DocumentCache | None = None,
    progress: Progress | None = None,
    digests: Sequence[str | None] | None = None,
) -> list[FileResult]:
    """Every file's result, in the corpus's order. Whatever the executor, the files already in the cache are
    taken here (a file's whole result, or when only surveying, its reading); a pool is started only for the
    others, and not at all when there are none. `auto` starts worker processes when the others are at least
    POOL_CHUNKS chunks and this process may use several cores. `digests`: the files' content digests, when the
    caller has just taken them."""
    results = finished(job, files, cache, digests)
    pending = [i for i, result in enumerate(results) if result is None]
    surveying = not job.section_ids
    if surveying and executor != "local":
        held = read_before(job, [files[i] for i in pending], cache)
    else:
        held = [False] * len(pending)
    here = chunked(files, [i for i, read in zip(pending, held, strict=True) if read])
    away = chunked(files, [i for i, read in zip(pending, held, strict=True) if not read])
    if executor == "auto":
        executor = "processes" if len(away) >= POOL_CHUNKS and cpus() > 1 else "local"
    if executor == "local":
        here, away = here + away, []
    if away:
        log.info("%d file(s) to read and extract on %s", sum(map(len, away)), _workers(executor, len(away)))
    tally = Tally(progress, len(files), bool(job.section_ids))
    tally.add([result for result in results if result is not None])

    def take(indices: list[int], answers: Sequence[FileResult]) -> None:
        for index, answer in zip(indices, answers, strict=True):
            results[index] = answer
        tally.add(answers)

    with pool(executor, scheduler, len(away)) if away else _no_pool() as started:
        awaited = started(job, [[files[i] for i in chunk] for chunk in away])
        for chunk in here:  # while the workers work
            take(chunk, run_chunk(job, [files[i] for i in chunk], cache))
        for chunk, answer in zip(away, awaited, strict=True):
            take(chunk, answer.files)
            if cache is not None:
                cache.count(answer.counts)
                if answer.entries:
                    cache.put(answer.entries, [])
    return [result for result in results if result is not None]


@contextmanager
def _no_pool() -> Iterator[Pool]:
    yield lambda job, chunks: iter(())
