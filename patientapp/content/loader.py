"""All of content/, loaded and validated once, shared by every app made for the same folder."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from .instruments import (
    LOCALES,
    ContentError,
    Pathway,
    Questionnaire,
    load_pathways,
    load_questionnaires,
)
from .library import Library, load_library


@dataclass
class Content:
    """Everything in content/, validated."""

    root: Path
    questionnaires: dict[tuple[str, str], Questionnaire]
    pathways: dict[str, Pathway]
    library: Library

    def questionnaire(self, instrument: str, locale: str) -> Questionnaire:
        """The instrument in ``locale``, falling back to the other language."""
        for candidate in (locale, *LOCALES):
            if (instrument, candidate) in self.questionnaires:
                return self.questionnaires[(instrument, candidate)]
        raise KeyError(instrument)

    def pathway(self, pathway_id: str) -> Pathway:
        return self.pathways[pathway_id]

    def translations(self, instrument: str) -> dict[str, Questionnaire]:
        """The instrument in every language, by locale: one content version."""
        return {locale: self.questionnaires[(instrument, locale)] for locale in LOCALES
                if (instrument, locale) in self.questionnaires}

    def versions(self) -> dict[tuple[str, str], dict[str, Questionnaire]]:
        """Today's version of every instrument: (instrument, content_version) -> by locale."""
        found: dict[tuple[str, str], dict[str, Questionnaire]] = {}
        for (instrument, locale), q in sorted(self.questionnaires.items()):
            found.setdefault((instrument, q.content_version), {})[locale] = q
        return found


# Loaded content by folder, with the name, size and modification time of every file in it:
# an app made again for the same unchanged folder (each worker, each test) reuses it
# instead of parsing and validating a few hundred YAML and Markdown blocks again.
_LOADED: dict[Path, tuple[tuple, Content]] = {}
_LOADED_LOCK = threading.Lock()


def _fingerprint(root: Path) -> tuple:
    return tuple(sorted((str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns)
                        for path in root.rglob("*") if path.is_file()
                        for stat in (path.stat(),)))


def load_content(root: str | Path) -> Content:
    """Load and validate all content; raise ContentError on the first problem. The result
    is shared until a file in the folder changes: treat it as read-only."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError(root, "the content folder does not exist")
    key, stamp = root.resolve(), _fingerprint(root)
    with _LOADED_LOCK:
        found = _LOADED.get(key)
        if found and found[0] == stamp:
            return found[1]
    content = Content(root=root, questionnaires=load_questionnaires(root),
                      pathways=load_pathways(root), library=load_library(root))
    with _LOADED_LOCK:
        _LOADED[key] = (stamp, content)
    return content
