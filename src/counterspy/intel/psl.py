"""Public Suffix List matching on ASCII host names, from tldextract's bundled snapshot.

tldextract ships a snapshot of the Public Suffix List (never fetched here: see
:mod:`counterspy.intel.normalize`). Its own extractor decodes punycode and walks a trie for
every call; the verdict hot path needs the same answer for millions of hosts, so the rules are
compiled once into three sets of ASCII (punycode) strings and matched with a few set probes.
Results equal tldextract's (a test compares them).
"""

from __future__ import annotations

from collections.abc import Iterable

import idna


def _ascii_rule(rule: str) -> str:
    labels = []
    for lab in rule.split("."):
        if lab.isascii() or lab in {"*"}:
            labels.append(lab.lower())
        else:
            try:
                labels.append(idna.encode(lab, uts46=True).decode("ascii"))
            except idna.IDNAError:
                labels.append(lab.lower())
    return ".".join(labels)


class SuffixList:
    def __init__(self, rules: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self.wildcard: set[str] = set()  # "ck" for the rule "*.ck"
        self.exception: set[str] = set()  # "www.ck" for the rule "!www.ck"
        for raw in rules:
            r = raw.strip()
            if not r:
                continue
            if r.startswith("!"):
                self.exception.add(_ascii_rule(r[1:]))
            elif r.startswith("*."):
                self.wildcard.add(_ascii_rule(r[2:]))
            else:
                self.exact.add(_ascii_rule(r))

    def split(self, host: str) -> tuple[str, str, str]:
        """``(subdomain, domain, suffix)``; an unknown TLD gives an empty suffix.

        The longest matching rule wins: candidate suffixes are probed from the whole host
        down to its last label, as slices of the host (no split/join per candidate)."""
        exact, wildcard, exception = self.exact, self.wildcard, self.exception
        i = 0  # start of the candidate suffix host[i:]
        prev = -1  # start of the label before it
        while True:
            nxt = host.find(".", i)
            cand = host[i:] if i else host
            if cand in exception:
                if nxt == -1:
                    return (host[: i - 1] if i else ""), cand, ""
                return (host[: i - 1] if i else ""), host[i:nxt], host[nxt + 1 :]
            if cand in exact or (nxt != -1 and host[nxt + 1 :] in wildcard):
                if not i:
                    return "", "", host
                return (host[: prev - 1] if prev > 0 else ""), host[prev : i - 1], cand
            if nxt == -1:
                return (host[: i - 1] if i else ""), cand, ""
            prev, i = i, nxt + 1

    def split_reference(self, host: str) -> tuple[str, str, str]:
        """:meth:`split` written over the list of labels (the straightforward version)."""
        labels = host.split(".")
        n = len(labels)
        start = n  # index of the first suffix label
        for i in range(n):
            cand = ".".join(labels[i:])
            if cand in self.exception:
                start = i + 1
                break
            if cand in self.exact or (i + 1 < n and ".".join(labels[i + 1 :]) in self.wildcard):
                start = i
                break
        if start == 0:
            return "", "", host
        suffix = ".".join(labels[start:])
        return ".".join(labels[: start - 1]), labels[start - 1], suffix
