"""Script conversion between editions: OpenCC, with a news glossary layered inside it.

OpenCC's phrase configurations are the engine. Our glossary does not run as a second pass
over OpenCC's output (that would re-convert what OpenCC already converted and cost a
second scan in Python); it is compiled into a private copy of the OpenCC configuration as
text dictionaries placed first in each dictionary group, so that it takes part in OpenCC's
own segmentation and wins every tie, and conversion stays a single C++ call per text.
Each step's group is then merged into one table that OpenCC matches exactly as it matches
the group (see Chain._flattened): that halves the time of a conversion.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import opencc
from markdown_it.token import Token

from .editor_markup import Pinned, split_markup

OPENCC_SHARE = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
SHIPPED_GLOSSARY = Path(__file__).parent / "data" / "news.toml"

# How one edition's script becomes another's by default; "+" chains configurations.
DEFAULT_CONFIGS: dict[tuple[str, str], str] = {
    ("zh-Hans", "zh-Hant"): "s2twp",
    ("zh-Hant", "zh-Hans"): "tw2sp",
    ("zh-Hans", "zh-Hant-HK"): "s2hk",
    ("zh-Hant", "zh-Hant-HK"): "tw2t+t2hk",
    ("zh-Hant-HK", "zh-Hans"): "hk2s",
    ("zh-Hant-HK", "zh-Hant"): "hk2t+t2tw",
}
# The same conversion without regional vocabulary: what a suppressed phrase gets instead.
_CHARACTER_ONLY = {"s2twp": "s2tw", "tw2sp": "tw2s", "s2hkp": "s2hk", "hk2sp": "hk2s"}

# Pairs rather than str.translate tables: str.replace on four marks is many times faster than a
# per-character table lookup over a whole article, and most text has no quotation mark at all.
_TO_HANT = (("“", "「"), ("”", "」"), ("‘", "『"), ("’", "』"))
_TO_HANS = (("「", "“"), ("」", "”"), ("『", "‘"), ("』", "’"))
_KEPT = "\ufdd1"  # stands for an apostrophe while quotation marks are replaced
# ’ between Latin letters or digits is an apostrophe (Moody’s, it’s), not a quotation mark.
_APOSTROPHE = re.compile(r"(?<=[A-Za-z0-9])’(?=[A-Za-z0-9])")


class GlossaryError(Exception):
    pass


@dataclass(frozen=True)
class Term:
    forms: dict[str, str]  # edition lang -> how that edition writes the term
    oneway: str = ""  # "zh-Hans>zh-Hant": only in that direction
    # Where the term comes from ("news.toml: people"), for the review report; not part of its identity.
    origin: str = field(default="", compare=False)
    # A suppressed OpenCC phrase: its only form (in ``oneway``'s source) gets character conversion.
    suppressed: bool = False


@dataclass(frozen=True)
class Glossary:
    # In order: a later term (or suppression) wins over an earlier one with the same source form,
    # so a site's glossary, layered on the shipped one, can override or suppress anything in it.
    terms: tuple[Term, ...] = ()
    # Edition lang -> house-style character replacements applied last when converting into it
    # (臺 -> 台: Taiwan newsrooms write 台 where OpenCC gives the Ministry of Education's 臺).
    characters: dict[str, dict[str, str]] = field(default_factory=dict)

    def pairs(self, source: str, target: str) -> dict[str, str]:
        """Source text -> target text for one direction; later terms win over earlier ones."""
        direction = f"{source}>{target}"
        out: dict[str, str] = {}
        for term in self.terms:
            if term.oneway and term.oneway != direction:
                continue
            if source in term.forms and target in term.forms and term.forms[source]:
                out[term.forms[source]] = term.forms[target]
        return out

    @property
    def suppress(self) -> dict[str, tuple[str, ...]]:
        """"zh-Hans>zh-Hant" -> phrases (in the source script) that get character conversion only."""
        out: dict[str, tuple[str, ...]] = {}
        for term in self.terms:
            if term.suppressed:
                out[term.oneway] = (*out.get(term.oneway, ()), *term.forms.values())
        return out

    def layered(self, other: Glossary) -> Glossary:
        """This glossary with ``other`` on top: its entries win."""
        characters = {lang: dict(table) for lang, table in self.characters.items()}
        for lang, table in other.characters.items():
            characters.setdefault(lang, {}).update(table)
        return Glossary((*self.terms, *other.terms), characters)

    @property
    def fingerprint(self) -> str:
        return json.dumps([[t.forms, t.oneway, t.suppressed] for t in self.terms] + [self.characters],
                          ensure_ascii=False, sort_keys=True)


_LANG = re.compile(r"^zh-Han[st](-[A-Z]{2})?$")


def _line(text: str, needle: str) -> int:
    at = text.find(needle) if needle else -1
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def load_glossary(path: Path) -> Glossary:
    """Read a glossary file: ``[[group]]`` tables of ``entries``, ``[[suppress]]`` and ``[[characters]]``."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise GlossaryError(f"{path}:1: cannot read glossary: {exc}") from None
    terms: list[Term] = []
    for group in data.get("group", []):
        name = str(group.get("name", "?"))
        for entry in group.get("entries", []):
            forms = {k: v for k, v in entry.items() if k != "oneway"}
            where = f"{path}:{_line(text, next(iter(forms.values()), '') if forms else name)}"
            if not all(isinstance(v, str) and v for v in forms.values()) or len(forms) < 2:
                raise GlossaryError(f"{where}: group {name!r}: an entry needs the term in at least two "
                                    f"editions, e.g. {{ zh-Hans = \"芯片\", zh-Hant = \"晶片\" }}: {entry!r}")
            bad = [k for k in forms if not _LANG.match(k)]
            if bad:
                raise GlossaryError(f"{where}: group {name!r}: unknown edition {bad[0]!r} (write zh-Hans, "
                                    "zh-Hant or zh-Hant-HK)")
            oneway = entry.get("oneway", "")
            if oneway and (not isinstance(oneway, str) or oneway.count(">") != 1):
                raise GlossaryError(f"{where}: group {name!r}: oneway must look like \"zh-Hans>zh-Hant\"")
            terms.append(Term(forms, oneway, f"{path.name}: {name}"))
    # Suppressions first: in the same file, a group entry with the same source form wins.
    suppressed: list[Term] = []
    for item in data.get("suppress", []):
        direction = item.get("direction", "")
        if not isinstance(direction, str) or direction.count(">") != 1:
            raise GlossaryError(f"{path}:{_line(text, str(item.get('name', '')))}: suppress "
                                f"{item.get('name')!r} needs direction \"zh-Hans>zh-Hant\"")
        source = direction.split(">")[0]
        suppressed.extend(Term({source: str(p)}, direction, f"{path.name}: {item.get('name', '?')}", True)
                          for p in item.get("phrases", []) if p)
    characters: dict[str, dict[str, str]] = {}
    for item in data.get("characters", []):
        lang, table = item.get("edition", ""), item.get("map", {})
        if not isinstance(lang, str) or not _LANG.match(lang) or not isinstance(table, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and len(k) == 1 for k, v in table.items()):
            raise GlossaryError(f"{path}:{_line(text, str(item.get('name', '')))}: characters "
                                f"{item.get('name')!r} needs an edition and a map of single characters")
        characters.setdefault(lang, {}).update(table)
    return Glossary((*suppressed, *terms), characters)


def glossary_from_front_matter(value: Any, source: str) -> Glossary:
    """A per-article glossary: ``{源词: 译词}`` (every other edition) or a list of forms."""
    if isinstance(value, dict):
        return Glossary(tuple(Term({source: str(k), "*": str(v)}, origin="front-matter glossary")
                              for k, v in value.items()))
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return Glossary(tuple(Term({str(k): str(v) for k, v in item.items()}, origin="front-matter glossary")
                              for item in value))
    raise GlossaryError("front-matter 'glossary' must be a mapping or a list of mappings")


def _abs_dicts(node: dict[str, Any]) -> dict[str, Any]:
    node = copy.deepcopy(node)
    if node.get("type") == "group":
        node["dicts"] = [_abs_dicts(d) for d in node["dicts"]]
    elif "file" in node:
        node["file"] = str(OPENCC_SHARE / node["file"])
    return node


def _first(extra: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A dictionary group in which ``extra`` is consulted before ``node``."""
    if node.get("type") == "group" and node.get("match_policy", "short_circuit") == "short_circuit":
        return {**node, "dicts": [extra, *node["dicts"]]}
    return {"type": "group", "match_policy": "short_circuit", "dicts": [extra, node]}


def opencc_dict_tool() -> str | None:
    """OpenCC's ``opencc_dict`` (it ships in the wheel), which writes a binary dictionary out as text."""
    bundled = OPENCC_SHARE.parent.parent / "bin" / "opencc_dict"
    return str(bundled) if bundled.is_file() else shutil.which("opencc_dict")


def read_dictionary(path: Path) -> dict[str, tuple[str, ...]]:
    """An OpenCC dictionary file (text, or ocd2 through ``opencc_dict``): key -> its alternatives,
    the first being the one OpenCC converts to. Raises OSError when it cannot be read."""
    if path.suffix == ".ocd2":
        tool = opencc_dict_tool()
        if tool is None:
            raise OSError("OpenCC's opencc_dict tool is neither in the opencc wheel nor on PATH")
        with tempfile.TemporaryDirectory(prefix="sitegen-opencc-") as tmp:
            out = Path(tmp) / "dict.txt"
            proc = subprocess.run([tool, "-i", str(path), "-o", str(out), "-f", "ocd2", "-t", "text"],
                                  capture_output=True, text=True)
            if proc.returncode != 0 or not out.is_file():
                raise OSError(f"cannot read OpenCC dictionary {path}: {proc.stderr.strip()}")
            text = out.read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        key, _, values = line.partition("\t")
        if key and values:
            table.setdefault(key, tuple(values.split(" ")))
    return table


@functools.cache
def shipped_dictionary(path: Path) -> dict[str, tuple[str, ...]]:
    """read_dictionary for a dictionary of OpenCC's package, once per process: the files never change,
    and every Chain and the review report read the same few."""
    return read_dictionary(path)


@functools.cache
def _shipped_outputs(path: Path) -> dict[str, str]:
    return {k: v[0] for k, v in shipped_dictionary(path).items()}


def _entries(node: dict[str, Any], *, keys_only: bool) -> dict[str, str] | None:
    """A dictionary node (a file, or a group of them) as one table that OpenCC, matching the longest
    key at each place, matches exactly as it matches the node; None when that cannot be done.

    A short_circuit group takes the longest key of the first member with any match, so a later
    member's key counts only where no earlier member's key is a prefix of it (or it itself): where
    one is, the earlier member matches there first. A union group takes the longest key of all its
    members: merging is exact unless two members give one key different outputs (which then only
    matters when the outputs are used: not for segmentation, which reads key lengths only).
    """
    if node.get("type") != "group":
        file = Path(node.get("file", ""))
        if node.get("type") not in ("text", "ocd2") or not file.is_file():
            return None
        try:
            if file.parent == OPENCC_SHARE:
                return _shipped_outputs(file)
            return {k: v[0] for k, v in read_dictionary(file).items()}
        except OSError:
            return None
    parts = [_entries(d, keys_only=keys_only) for d in node["dicts"]]
    if any(p is None for p in parts):
        return None
    merged: dict[str, str] = {}
    if node.get("match_policy", "short_circuit") == "union":
        for part in parts:
            for key, value in part.items():  # type: ignore[union-attr]
                if merged.setdefault(key, value) != value and not keys_only:
                    return None
        return merged
    earlier: set[str] = set()
    starts: set[str] = set()  # first characters of earlier keys: most keys are cleared by this alone
    for part in parts:
        assert part is not None
        merged.update((k, v) for k, v in part.items()
                      if k[0] not in starts or not any(k[:n] in earlier for n in range(1, len(k) + 1)))
        earlier.update(part)
        starts.update(k[0] for k in part)
    return merged


# OpenCC's text dictionaries separate alternatives with spaces, so a space inside a glossary
# term's output ("AI 產業") is written as this noncharacter and turned back after conversion.
_SPACE = "\ufdd0"
_CONTROL = re.compile(r"[\t\n\r]")


class Chain:
    """One OpenCC configuration, or several applied in turn, with a glossary compiled in.

    ``characters`` (house style, e.g. 臺 -> 台) is applied last, to everything but the glossary's
    own output.
    """

    def __init__(self, configs: Sequence[str], pairs: dict[str, str],
                 characters: dict[str, str] | None = None, *, whole_texts: bool = True) -> None:
        """``whole_texts``: merge each step's dictionaries (see _flattened), which halves the time of
        converting an article and costs about a tenth of a second up front; not worth it for a chain
        that converts a few words (suppressed phrases, single characters)."""
        self._stages: list[opencc.OpenCC] = []
        pairs = {k: v.replace(" ", _SPACE) for k, v in pairs.items()}
        # Single characters that no glossary output has are replaced everywhere, by str.replace (a
        # search in C): an OpenCC step of its own is one more pass over the text (an eighth of a
        # conversion), str.translate one dictionary lookup per character.
        self._style: list[tuple[str, str]] = []
        # (One after the other: so only when no replacement brings a character another replaces.)
        if characters and all(len(k) == 1 for k in characters) and \
                not any(k in v for v in (*pairs.values(), *characters.values()) for k in characters):
            self._style, characters = sorted(characters.items()), None
        # OpenCC reads text dictionaries when a configuration is loaded, so they can go at once.
        with tempfile.TemporaryDirectory(prefix="sitegen-opencc-") as tmp:
            for i, name in enumerate(configs):
                config = json.loads((OPENCC_SHARE / f"{name}.json").read_text(encoding="utf-8"))
                # Later stages must leave the glossary's output alone.
                stage_pairs = pairs if i == 0 else {v: v for v in pairs.values()}
                if stage_pairs:
                    config = self._with_pairs(config, stage_pairs, Path(tmp), tag=str(i))
                else:
                    config = self._absolute(config)
                if characters and i == len(configs) - 1:
                    step = self._dict_file(Path(tmp), f"{i}-style.txt", characters)
                    if pairs:
                        step = _first(self._dict_file(Path(tmp), f"{i}-style-keep.txt",
                                                      {v: v for v in pairs.values()}), step)
                    config["conversion_chain"].append({"dict": step})
                if whole_texts:
                    config = self._flattened(config, Path(tmp), str(i))
                self._stages.append(opencc.OpenCC(str(self._write(Path(tmp), str(i), config))))

    @classmethod
    def _flattened(cls, config: dict[str, Any], tmp: Path, tag: str) -> dict[str, Any]:
        """Each dictionary group of ``config`` as one text dictionary that matches exactly as it does.

        OpenCC walks every member of a group at every character (its matcher has one trie per
        file), and that walk is most of a conversion's time: a site's s2twp with the glossary
        consults nine files in three steps. One merged table per step converts the same text in
        under half the time.
        """
        def flat(node: dict[str, Any], name: str, keys_only: bool) -> dict[str, Any]:
            if node.get("type") != "group":
                return node
            entries = _entries(node, keys_only=keys_only)
            return node if entries is None else cls._dict_file(tmp, f"{tag}-{name}.txt", entries)

        if "segmentation" in config:
            config["segmentation"]["dict"] = flat(config["segmentation"]["dict"], "segmentation", True)
        for n, step in enumerate(config.get("normalization", [])):
            step["dict"] = flat(step["dict"], f"normalization{n}", False)
        for n, step in enumerate(config["conversion_chain"]):
            step["dict"] = flat(step["dict"], f"step{n}", False)
        return config

    @staticmethod
    def _write(tmp: Path, name: str, config: dict[str, Any]) -> Path:
        path = tmp / f"{name}.json"
        path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        return path

    @staticmethod
    def _absolute(config: dict[str, Any]) -> dict[str, Any]:
        config = copy.deepcopy(config)
        for step in config.get("normalization", []):
            step["dict"] = _abs_dicts(step["dict"])
        if "segmentation" in config:
            config["segmentation"]["dict"] = _abs_dicts(config["segmentation"]["dict"])
        for step in config["conversion_chain"]:
            step["dict"] = _abs_dicts(step["dict"])
        return config

    @classmethod
    def _with_pairs(cls, config: dict[str, Any], pairs: dict[str, str], tmp: Path,
                    tag: str = "g") -> dict[str, Any]:
        config = cls._absolute(config)
        first = cls._dict_file(tmp, f"{tag}-first.txt", pairs)
        keep = cls._dict_file(tmp, f"{tag}-keep.txt", {v: v for v in pairs.values()})
        chain = config["conversion_chain"]
        seg = config.get("segmentation", {"type": "mmseg", "dict": chain[0]["dict"]})
        seg_dict = seg["dict"]
        seg["dict"] = {"type": "group", "match_policy": "union", "dicts": [first, seg_dict]}
        config["segmentation"] = seg
        chain[0]["dict"] = _first(first, chain[0]["dict"])
        for step in chain[1:]:
            step["dict"] = _first(keep, step["dict"])
        return config

    @staticmethod
    def _dict_file(tmp: Path, name: str, pairs: dict[str, str]) -> dict[str, Any]:
        path = tmp / name
        # OpenCC's text dictionaries are "key<TAB>value"; a tab or newline in a term would
        # corrupt the file, so such terms are dropped.
        lines = [f"{k}\t{v}" for k, v in pairs.items() if k]
        if _CONTROL.search("".join(lines).replace("\t", "")):
            lines = [line for line in lines if not _CONTROL.search(line.replace("\t", "", 1))]
        lines.sort()
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return {"type": "text", "file": str(path)}

    def __call__(self, text: str) -> str:
        for stage in self._stages:
            text = stage.convert(text)
        for old, new in self._style:
            text = text.replace(old, new)
        return text.replace(_SPACE, " ") if _SPACE in text else text


class Direction:
    """Converting text written in one edition's script into another edition's."""

    def __init__(self, source: str, target: str, target_script: str, configs: str,
                 glossary: Glossary, quotes: bool) -> None:
        self.source, self.target = source, target
        self._configs = configs.split("+")
        self._glossary = glossary
        self._quotes = (_TO_HANT if target_script == "hant" else _TO_HANS) if quotes else None
        self._cache: dict[str, str] = {}

    @property
    def configs(self) -> list[str]:
        return list(self._configs)

    @property
    def character_configs(self) -> list[str]:
        """The same conversion without OpenCC's regional vocabulary (s2twp -> s2tw)."""
        return [_CHARACTER_ONLY.get(c, c) for c in self._configs]

    @cached_property
    def plain_chain(self) -> Chain:
        """Character conversion only (and house style): no regional vocabulary, no glossary. It
        converts the suppressed phrases for every build, whole texts only for the review report."""
        return Chain(self.character_configs, {}, self._glossary.characters.get(self.target), whole_texts=False)

    @cached_property
    def rules(self) -> dict[str, tuple[str, str]]:
        """Every glossary phrase of this direction -> (its conversion, where the rule comes from)."""
        rules: dict[str, tuple[str, str]] = {}
        direction = f"{self.source}>{self.target}"
        # Later terms win over earlier ones: shipped, then the site's, then the article's own.
        for term in self._glossary.terms:
            if (term.oneway and term.oneway != direction) or not term.forms.get(self.source):
                continue
            if term.suppressed:
                phrase = term.forms[self.source]
                rules[phrase] = (self.plain_chain(phrase), f"{term.origin} (suppressed)")
                continue
            target = term.forms.get(self.target, term.forms.get("*"))
            if target is not None:
                rules[term.forms[self.source]] = (target, term.origin)
        return rules

    @cached_property
    def chain(self) -> Chain:
        return Chain(self._configs, {k: v for k, (v, _) in self.rules.items()},
                     self._glossary.characters.get(self.target))

    def _punctuate(self, text: str) -> str:
        if self._quotes is None:
            return text
        kept = self._quotes is _TO_HANT and "’" in text
        if kept:
            text = _APOSTROPHE.sub(_KEPT, text)
        for mark, replacement in self._quotes:
            if mark in text:
                text = text.replace(mark, replacement)
        return text.replace(_KEPT, "’") if kept else text

    def text(self, text: str) -> str:
        """Convert one plain string (a title, a tag name, a UI string); markup is honoured."""
        cached = self._cache.get(text)
        if cached is None:
            cached = "".join(self.pieces([text]))
            self._cache[text] = cached
        return cached

    def pieces(self, runs: Sequence[str | Pinned]) -> list[str]:
        """Convert a sequence of text pieces that read as one text.

        Pinned pieces come out as the editor wrote them; they and the ends of the sequence are
        the only hard boundaries. A phrase split over two pieces by inline markup
        (``人工**智能**``) converts as the whole phrase would, and the converted phrase is
        cut back at the piece boundary.
        """
        expanded: list[str | Pinned] = []
        for run in runs:
            expanded.extend(split_markup(run) if isinstance(run, str) and "-{" in run else [run])
        out: list[str] = []
        group: list[str] = []
        for piece in expanded:
            if isinstance(piece, Pinned):
                out.extend(self._group(group))
                group = []
                out.append(piece.text_for(self.target))
            else:
                group.append(piece)
        out.extend(self._group(group))
        return out

    def _group(self, group: list[str]) -> list[str]:
        if not group:
            return []
        if len(group) == 1:
            return [self._punctuate(self.chain(group[0]))]
        whole = self.chain("".join(group))
        separate = [self.chain(g) for g in group]
        if "".join(separate) != whole:
            separate = _cut(whole, group, self.chain)
        return [self._punctuate(s) for s in separate]

    def batch(self, groups: Sequence[Sequence[str]]) -> list[list[str]]:
        """Convert many groups (every text run of an article) with two OpenCC calls.

        Newlines never occur inside a run and OpenCC never joins a phrase across one, so the
        runs can be converted in one call and split again.
        """
        if not groups:
            return []
        wholes = self.chain("\n".join("".join(g) for g in groups)).split("\n")
        multi = [g for g in groups if len(g) > 1]
        separates = iter(self.chain("\n".join(p for g in multi for p in g)).split("\n")) if multi else iter(())
        out: list[list[str]] = []
        for group, whole in zip(groups, wholes, strict=True):
            if len(group) == 1:
                parts = [whole]
            else:
                parts = [next(separates) for _ in group]
                if "".join(parts) != whole:
                    parts = _cut(whole, list(group), self.chain)
            out.append([self._punctuate(p) for p in parts])
        return out


def _cut(whole: str, group: list[str], convert: Chain | Any) -> list[str]:
    """Split a converted text at the places its pieces met, when a phrase crossed one."""
    joined = "".join(group)
    cuts: list[int] = []
    boundary = 0
    for piece in group[:-1]:
        boundary += len(piece)
        left, right = convert(joined[:boundary]), convert(joined[boundary:])
        agree_left = _common_prefix(whole, left)
        agree_right = len(whole) - _common_prefix(whole[::-1], right[::-1])
        low, high = sorted((agree_left, agree_right))
        cut = max(min(len(left), high), low)
        cuts.append(max(cut, cuts[-1] if cuts else 0))
    bounds = [0, *cuts, len(whole)]
    return [whole[a:b] for a, b in itertools.pairwise(bounds)]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class Converter:
    """Every conversion direction a site needs, built lazily and cached for one build."""

    def __init__(self, editions: Iterable[tuple[str, str]], configs: dict[str, str],
                 glossary: Glossary, quotes: bool) -> None:
        self._scripts = dict(editions)  # lang -> script
        self._configs = configs
        self.glossary = glossary
        self._quotes = quotes
        self._directions: dict[tuple[str, str], Direction] = {}
        # Each known character's mark (see _learn_scripts) as a str.translate() table: "s" or "t",
        # None (dropped) for the rest; the letters s and t are known from the start, being the marks.
        self._script_marks: dict[int, str | None] = {ord("s"): None, ord("t"): None}
        self._script_chains: tuple[Chain, Chain] | None = None
        # Glossary fingerprint -> the converter with that glossary on top: its chains take a
        # third of a second to compile, and an article's title is converted wherever it is linked.
        self._layered: dict[str, Converter] = {}

    def __getstate__(self) -> dict[str, Any]:
        # What a worker process gets: the configuration, not the OpenCC objects (it builds its own).
        state = dict(self.__dict__)
        state["_directions"] = {}
        state["_script_chains"] = None
        state["_layered"] = {}
        return state

    def direction(self, source: str, target: str) -> Direction:
        key = (source, target)
        if key not in self._directions:
            configs = self._configs.get(f"{source}>{target}") or DEFAULT_CONFIGS.get(key)
            if configs is None:
                configs = "s2t" if self._scripts.get(target) == "hant" else "t2s"
            self._directions[key] = Direction(source, target, self._scripts.get(target, "hans"),
                                              configs, self.glossary, self._quotes)
        return self._directions[key]

    def prepare(self) -> None:
        """Compile every direction between the editions now rather than at its first text."""
        for source in self._scripts:
            for target in self._scripts:
                if source != target:
                    _ = self.direction(source, target).chain

    def with_glossary(self, extra: Glossary) -> Converter:
        """A converter for one article that brings a glossary of its own."""
        key = extra.fingerprint
        if key not in self._layered:
            self._layered[key] = Converter(self._scripts.items(), self._configs, self.glossary.layered(extra),
                                           self._quotes)
        return self._layered[key]

    def _learn_scripts(self, chars: set[str]) -> None:
        """Which script writes each of ``chars`` alone: Simplified ("s") or Traditional ("t") when
        OpenCC's standard conversion to the other script changes it, converted alone (one per line,
        so that no phrase spans two); None for every other character, and for one both change.
        Learned as texts bring new characters: an edit of one article meets a few hundred, not the
        100,000 of the CJK blocks (a third of a second to convert)."""
        if self._script_chains is None:
            self._script_chains = (Chain(["s2t"], {}, whole_texts=False), Chain(["t2s"], {}, whole_texts=False))
        new = sorted(c for c in chars if any(start <= ord(c) < end for start, end in _CJK_BLOCKS))
        to_hant, to_hans = ({c for c, to in zip(new, chain("\n".join(new)).split("\n"), strict=True) if c != to}
                            for chain in self._script_chains) if new else (set(), set())
        self._script_marks.update(dict.fromkeys(map(ord, chars)))
        # A character both conversions change counts for neither script.
        self._script_marks.update(dict.fromkeys(map(ord, to_hant - to_hans), "s"))
        self._script_marks.update(dict.fromkeys(map(ord, to_hans - to_hant), "t"))

    def _script_counts(self, sample: str) -> tuple[int, int]:
        """How many characters of ``sample`` only Traditional writes, and how many only Simplified."""
        marks = sample.translate(self._script_marks)
        hant, hans = marks.count("t"), marks.count("s")
        if hant + hans < len(marks):  # characters not seen before are left as they are
            self._learn_scripts({c for c in set(marks) if ord(c) not in self._script_marks})
            marks = sample.translate(self._script_marks)
            hant, hans = marks.count("t"), marks.count("s")
        return hant, hans

    def detect_script(self, text: str) -> str:
        """'hans' or 'hant': which script a text is written in, by which script's own characters
        it has more of. Counted in C (str.translate): every article is detected on every cold
        build, and converting samples to compare took 0.4 ms each."""
        hant, hans = self._script_counts(text[:1500])
        return "hant" if hant > hans else "hans"

    def lang_of(self, name: str, lang: str) -> str:
        """The edition language a short text (a tag, a category, an author) is written in, given the
        language of the article naming it. Newsrooms tag in either script whatever the article's
        (a Simplified article tagged 風險投資): such a name is of the first edition written in its
        script. A name neither script's own characters tell apart (估值, GPU) is the article's."""
        hant, hans = self._script_counts(name)
        script = "hant" if hant > hans else "hans" if hans > hant else None
        if script is None or self._scripts.get(lang) == script:
            return lang
        return next((other for other, its in self._scripts.items() if its == script), lang)

    def text(self, text: str, source: str, target: str) -> str:
        if source == target:
            return "".join(p if isinstance(p, str) else p.text_for(target) for p in split_markup(text))
        return self.direction(source, target).text(text)


# Where the characters that tell the scripts apart are: CJK radicals, symbols and punctuation
# to the unified ideographs, compatibility ideographs and forms, full-width forms, extensions B-H.
_CJK_BLOCKS = ((0x2E80, 0xA000), (0xF900, 0xFB00), (0xFE30, 0xFE50), (0xFF00, 0xFFF0), (0x20000, 0x323B0))


# Inline tokens that a phrase may run across: conversion sees the text on both sides as one.
_SOFT = frozenset({"link_open", "link_close", "em_open", "em_close", "strong_open", "strong_close",
                   "s_open", "s_close"})


@dataclass
class TextRuns:
    """The convertible text of a parsed body: runs of text tokens that read as one text."""

    groups: list[list[Token]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # body line (0-based) of each group
    alts: list[Token] = field(default_factory=list)  # images, whose alt text converts too
    alt_lines: list[int] = field(default_factory=list)
    titles: list[Token] = field(default_factory=list)  # images and links with a title attribute
    title_lines: list[int] = field(default_factory=list)


def text_runs(tokens: Sequence[Token]) -> TextRuns:
    """Code, raw HTML, attributes and URLs are never text tokens, so they are never in a run."""
    runs = TextRuns()
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        line = token.map[0] if token.map else 0
        run: list[Token] = []
        for child in token.children:
            # A title is read as a tooltip: text of its own, never part of the run around it.
            if child.type in ("image", "link_open") and child.attrGet("title"):
                runs.titles.append(child)
                runs.title_lines.append(line)
            if child.type == "text":
                run.append(child)
            elif child.type in _SOFT:
                continue
            else:
                if run:
                    runs.groups.append(run)
                    runs.lines.append(line)
                    run = []
                if child.type == "image" and child.children:
                    runs.alts.append(child)
                    runs.alt_lines.append(line)
        if run:
            runs.groups.append(run)
            runs.lines.append(line)
    return runs


def alt_text(image: Token) -> str:
    """An image's alt text with any editor markup kept, so that conversion honours it."""
    return _alt_text(image.children or [])


def title_key(token: Token) -> int:
    """Where convert_tokens puts the converted title of an image or link: ids are positive, so
    the negated id never meets the key of a token's own text."""
    return -id(token)


def convert_tokens(tokens: Sequence[Token], direction: Direction) -> dict[int, str]:
    """Converted text for every text token (and image alt) of a parsed body, by ``id(token)``, and
    for every image and link title, by ``title_key(token)``.

    Code, raw HTML, URLs and other attributes are never touched because they are never text tokens.
    All runs of an article go to OpenCC together (see Direction.batch).
    """
    runs = text_runs(tokens)
    groups, alts = runs.groups, runs.alts
    out: dict[int, str] = {}
    plain = [g for g in groups if not any("\n" in t.content for t in g)]
    for group, texts in zip(plain, direction.batch([[t.content for t in g] for g in plain]), strict=True):
        out.update((id(t), s) for t, s in zip(group, texts, strict=True))
    for group in (g for g in groups if any("\n" in t.content for t in g)):
        out.update((id(t), s) for t, s in zip(group, direction.pieces([t.content for t in group]), strict=True))
    for image in alts:
        out[id(image)] = direction.text(_alt_text(image.children or []))
    for token in runs.titles:
        # Direction.text: whole phrases and the editor's -{markup}-, as in any other text.
        out[title_key(token)] = direction.text(str(token.attrGet("title")))
    return out


def _alt_text(children: Sequence[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "editor_markup":
            parts.append("-{" + child.content + "}-")
        elif child.children:
            parts.append(_alt_text(child.children))
    return "".join(parts)
