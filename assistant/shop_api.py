"""The shopper's page's JSON API as plain calls: each endpoint runs one library function and returns its data.

:class:`ShopApi` holds what a long-running process loads once (the entity linker built from the
graph, the vision models) and answers each endpoint by calling one library function:
``ask`` (:func:`assistant.answer.ask`), visual search (``shopgraph.vision.similar_products``),
catalog similarity, recommendations and explanations (:mod:`relational.recommend`), the customers
and the catalog photos to pick from. Every query it runs is a read (the runner's read
transactions), so nothing a shopper sends can change the graph. The HTTP side is
:mod:`assistant.serving`.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neo4j import Driver

from shopgraph.assistant.answer import ask
from shopgraph.assistant.context import Answer
from shopgraph.assistant.linking import EntityLinker
from shopgraph.assistant.photo import photo_analyser
from shopgraph.assistant.uploads import PHOTO_FIELD, Photo, RequestError, photo_kind
from shopgraph.graphstore.core.customers import CustomerSummary, list_customers
from shopgraph.graphstore.core.defaults import RECOMMEND, SERVE
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.runner import run_query
from shopgraph.relational.recommend import Explanation, Recommendations, SimilarProduct, explain, recommend, similar

if TYPE_CHECKING:
    from shopgraph.vision import DetectionMatches, PhotoAnalyser


class ShopApi:
    """The API's endpoints over one open driver; build it with :meth:`load`, release it with :meth:`close`.

    Args:
        driver: an open driver to a graph with the catalog (and its photos ingested, for photo questions).
        linker: the entity linker ``ask`` uses for every question.
        analyser: the vision models, shared by ``ask`` and visual search.
        model_path: the detector weights ``analyser`` was loaded from (None: the shipped ones).
        database: the database to read.
    """

    def __init__(
        self,
        driver: Driver,
        linker: EntityLinker,
        analyser: PhotoAnalyser,
        model_path: Path | None = None,
        database: str | None = None,
    ) -> None:
        self.driver = driver
        self.linker = linker
        self.analyser = analyser
        self.model_path = model_path
        self.database = database
        # The detector and embedder are not safe to run from two threads at once.
        self._models = threading.Lock()
        self._uploads = tempfile.TemporaryDirectory(prefix="shopgraph-serve-")

    @classmethod
    def load(cls, driver: Driver, model_path: Path | None = None, database: str | None = None) -> ShopApi:
        """Load the linker (the graph's brands and names) and the vision models once, for every request.

        Raises:
            InputError: the detector or embedder weights cannot be loaded.
            QueryError: the graph cannot be read.
        """
        linker = EntityLinker.from_graph(driver, database)
        return cls(driver, linker, photo_analyser(model_path), model_path, database)

    def close(self) -> None:
        """Remove the folder uploaded photos pass through."""
        self._uploads.cleanup()

    def ask(self, question: str, customer: str | None = None, photo: Photo | None = None) -> Answer:
        """:func:`assistant.answer.ask` of ``question``, about ``photo`` if one was sent, for ``customer``.

        Raises:
            InputError: the question is empty or the photo cannot be read.
            QueryError: a query fails.
        """
        with self._photo_file(photo) if photo else nullcontext() as path, self._models:
            return ask(
                self.driver,
                question,
                path,
                customer,
                linker=self.linker,
                model_path=self.model_path,
                database=self.database,
            )

    def similar_to_photo(self, photo: Photo, k: int = RECOMMEND.visual_k) -> list[DetectionMatches]:
        """Visual search (``shopgraph.vision.similar_products``): the ``k`` closest catalog products for every
        object detected in ``photo``, with its box and outline.

        Raises:
            InputError: the photo cannot be decoded.
            QueryError: the vector index is missing or the query fails.
        """
        from shopgraph.vision import similar_products

        with self._photo_file(photo) as path, self._models:
            return similar_products(self.driver, path, k=k, database=self.database, analyser=self.analyser)

    def similar_to_product(self, product: str, k: int = RECOMMEND.k) -> tuple[SimilarProduct, ...]:
        """Catalog products like ``product``, by embedding and shared attributes (:func:`relational.recommend.similar`).

        Raises:
            QueryError: no product has the id, or the query fails.
        """
        return similar(self.driver, product, k=k, database=self.database)

    def recommend(self, customer: str, k: int = RECOMMEND.k) -> Recommendations:
        """The customer's recommendations with their reasons (:func:`relational.recommend.recommend`).

        Raises:
            QueryError: the query fails.
        """
        return recommend(self.driver, customer, k, database=self.database)

    def explain(self, customer: str, product: str) -> Explanation:
        """Why ``product`` suits ``customer`` (:func:`relational.recommend.explain`).

        Raises:
            QueryError: no customer or no product has the id, or the query fails.
        """
        return explain(self.driver, customer, product, database=self.database)

    def customers(self, limit: int = SERVE.sample_photos) -> tuple[CustomerSummary, ...]:
        """The most active customers, to pick one on the page (:func:`graphstore.core.customers.list_customers`)."""
        return list_customers(self.driver, limit, database=self.database)

    def sample_photos(self, limit: int = SERVE.sample_photos) -> list[dict[str, Any]]:
        """Catalog photos to pick from, one per product: ``image``, ``path``, ``product``, ``name``
        (``cypher/assistant/ask_sample_photos.cypher``)."""
        return run_query(self.driver, "assistant/ask_sample_photos", {"limit": limit}, self.database).rows

    def catalog_photo(self, path: str) -> Photo:
        """The bytes of the photo at ``path``, when ``path`` is exactly an Image node's path and the file is a
        JPEG, PNG or WebP: no other file can be read through the page.

        Raises:
            RequestError: no Image has that path (404), the file is gone (404) or is not an image (415).
        """
        rows = run_query(self.driver, "assistant/ask_photo_path", {"path": path}, self.database).rows
        if not rows:
            raise RequestError(f"no catalog photo has the path {path!r}", "path", 404)
        try:
            data = Path(rows[0]["path"]).read_bytes()
        except OSError as e:
            raise RequestError(f"the catalog photo {path} cannot be read ({e.strerror or e})", "path", 404) from e
        kind = photo_kind(data)
        if kind is None:
            raise RequestError(f"the catalog photo {path} is not a JPEG, PNG or WebP image", "path", 415)
        return Photo(data, kind)

    @contextmanager
    def _photo_file(self, photo: Photo) -> Iterator[Path]:
        """``photo`` written to a file of the uploads folder for the call (the library reads paths), then removed."""
        digest = hashlib.sha256(photo.data).hexdigest()[:16]
        path = Path(self._uploads.name) / f"upload-{digest}-{threading.get_ident()}{photo.suffix}"
        path.write_bytes(photo.data)
        try:
            yield path
        except InputError as e:
            # The library names the file it read; the shopper sent a field.
            if str(path) not in str(e):
                raise
            raise RequestError(str(e).replace(str(path), PHOTO_FIELD), PHOTO_FIELD) from e
        finally:
            path.unlink(missing_ok=True)
