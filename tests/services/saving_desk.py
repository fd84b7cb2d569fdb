"""A desk saving spans as fast as it can, on its own connection, while a long write runs: the
chunked annotation import, corpus import and bundle merge are each judged by the same waits
and failures, so the loop that produces them is written once."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from types import TracebackType

from stancedesk.domain.errors import UserError
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database

# word boundaries in the first sentence of the test documents
WORDS = [(0, 9), (10, 14), (15, 18), (19, 24), (25, 29), (30, 34), (36, 43), (44, 48)]


class SavingDesk:
    """``with SavingDesk(desk, doc): run()`` saves a span every few milliseconds (a person's
    pace, much faster, so every save meets the write under test) until the block ends; the
    desk's database is disposed of at the end."""

    def __init__(self, desk: Database, document_id: str,
                 places: Sequence[tuple[int, int]] = WORDS) -> None:
        self.desk, self.document_id, self.places = desk, document_id, places
        self.waits: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._label)

    def _label(self) -> None:
        i = 0
        while not self._stop.is_set():
            start, end = self.places[i % len(self.places)]
            began = time.perf_counter()
            try:
                span_service.create_span(self.desk, self.document_id, "desk", start, end,
                                         {"stance": "favor"})
            except UserError as exc:
                self.failures.append(str(exc))
            self.waits.append(time.perf_counter() - began)
            i += 1
            self._stop.wait(0.003)

    def __enter__(self) -> SavingDesk:
        self._worker.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._worker.join()
        self.desk.dispose()
