"""The link-verdict engine: ``VerdictEngine.verdict(url) -> Verdict``.

Order of judgement for one URL:

1. parse it as a browser would (:mod:`counterspy.infra.urls`); dangerous schemes, userinfo
   tricks, obfuscated IPs and invalid hosts add reasons of their own;
2. ``malicious`` when the URL, its host or any parent domain, its IP or a CIDR containing it is
   on an indicator list or the blocklist;
3. otherwise ``clean`` for a protected brand's own domains, ``suspicious`` for URL shorteners,
   lookalikes of protected brands and domains first seen recently on the platform;
4. otherwise ``clean`` with reason ``clean.no_match``.

Host-level results are memoised (a link shim sees the same hosts over and over); the memo is
dropped whenever the engine is rebuilt, so indicator changes are never masked by it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from counterspy.infra.brands import Brand
from counterspy.infra.gcpause import collector_paused
from counterspy.infra.indicator_index import IndicatorIndex, Match
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.risk import is_abused_tld
from counterspy.infra.urls import FAST_RE, MAX_URL_CHARS, ParsedUrl, parse_url
from counterspy.intel.normalize import split_host
from counterspy.model.verdict import Reason, Verdict, VerdictLabel

_NOT_LAST = frozenset("0123456789.-")  # see counterspy.infra.urls.plain_host
_SEVERITY = {VerdictLabel.CLEAN: 0, VerdictLabel.SUSPICIOUS: 1, VerdictLabel.MALICIOUS: 2}
CLEAN_NO_MATCH = Reason("clean.no_match", "no indicator, blocklist entry or lookalike matched")
_URL_PROBLEMS: dict[str, tuple[VerdictLabel, str]] = {
    "url.scheme": (
        VerdictLabel.SUSPICIOUS,
        "the URL runs code or embeds content (scheme {scheme}:)",
    ),
    "url.no_host": (VerdictLabel.CLEAN, "no web host to judge (scheme {scheme!r})"),
    "url.invalid_host": (VerdictLabel.SUSPICIOUS, "the host is not a valid domain name"),
    "url.oversized": (VerdictLabel.SUSPICIOUS, "the URL is longer than a normal link"),
    "url.userinfo": (VerdictLabel.SUSPICIOUS, "text before '@' ({userinfo}) is not the real host"),
    "url.obfuscated_ip": (VerdictLabel.SUSPICIOUS, "the host is an IP address in disguise ({ip})"),
    "url.percent_encoded_host": (VerdictLabel.SUSPICIOUS, "the host name is percent-encoded"),
    "url.bad_port": (VerdictLabel.CLEAN, "the port is not a number"),
}


class HostJudgement(NamedTuple):
    """The memoised result for one host. A named tuple, not a frozen dataclass: one is built
    for every never-seen host flagged, and a tuple costs a fraction of a dataclass."""

    label: VerdictLabel
    reasons: tuple[Reason, ...]
    actor: str | None = None


CLEAN_JUDGEMENT = HostJudgement(VerdictLabel.CLEAN, (CLEAN_NO_MATCH,))


def _match_reason(m: Match) -> Reason:
    p = m.provenance
    who = f", actor {p.actor}" if p.actor else ""
    note = f" ({p.note})" if p.note else ""
    return Reason(
        m.code, f"{m.value} is on {p.kind} source {p.source}{who}{note}", indicator_source=p.source
    )


class VerdictEngine:
    """Implements :class:`counterspy.model.verdict.LinkChecker`."""

    MEMO_LIMIT = 500_000
    PAUSE_GC_FROM = 1_000

    def __init__(
        self,
        indicators: IndicatorIndex,
        lookalikes: LookalikeIndex | None = None,
        *,
        first_seen: Mapping[str, datetime] | None = None,
        recent: timedelta = timedelta(days=7),
        now: datetime | None = None,
    ) -> None:
        self.indicators = indicators
        self.lookalikes = lookalikes
        self.first_seen = dict(first_seen or {})
        self.recent = recent
        self.now = now
        self._memo: dict[str, HostJudgement] = {}

    def clear_memo(self) -> None:
        """Forget memoised host results (benchmarks measuring cold hosts call this)."""
        self._memo.clear()
        if self.lookalikes is not None:
            self.lookalikes.clear_memo()

    # -- host level ----------------------------------------------------------------------
    def judge_host(self, host: str) -> HostJudgement:
        j = self._memo.get(host)
        if j is None:
            if len(self._memo) >= self.MEMO_LIMIT:
                self._memo.clear()
            j = self._memo[host] = self._judge_host(host)
        return j

    def _indicator_judge(self) -> Callable[[str], HostJudgement]:
        """A judge for engines without lookalike or first-seen checks (one call level less)."""
        match_host = self.indicators.match_host
        malicious = VerdictLabel.MALICIOUS

        def judge(host: str) -> HostJudgement:
            m = match_host(host)
            if m is None:
                return CLEAN_JUDGEMENT
            return HostJudgement(malicious, (_match_reason(m),), m.provenance.actor)

        return judge

    def _lookalike_judge(self, lookalikes: LookalikeIndex) -> Callable[[str], HostJudgement]:
        """:meth:`_judge_host` for engines with lookalike checks but no first-seen dates, with
        one walk over the host and its parents for indicator entries and brand owners."""
        domains = self.indicators.domains
        owned = lookalikes.owned
        check = lookalikes.check_unowned
        suspicious = VerdictLabel.SUSPICIOUS

        def judge(host: str) -> HostJudgement:
            owner: Brand | None = None
            h = host
            while True:  # indicators.match_host's and lookalikes.owner's walks in one
                if h in domains and (h is host or "." in h):  # parents of two labels or more
                    return self._judge_host(host)  # malicious: the indicator's own reason
                if owner is None:
                    owner = owned.get(h)
                i = h.find(".")
                if i == -1:
                    break
                h = h[i + 1 :]
            if owner is None:
                hc = check(host)
                if hc.reasons:
                    return HostJudgement(suspicious, hc.reasons)
                if hc.owned_by is not None:  # a global brand's name on a country code
                    return self._judge_host(host)
                return CLEAN_JUDGEMENT
            if "shortener" not in owner.flags:
                return self._judge_host(host)  # a brand's own domain
            return HostJudgement(suspicious, (self._shortener_reason(host, owner),))

        return judge

    @staticmethod
    def _shortener_reason(host: str, shortener: Brand) -> Reason:
        return Reason(
            "shortener",
            f"{host} is URL shortener {shortener.name}: the destination is hidden until followed",
            brand=shortener.name,
        )

    def _judge_host(self, host: str) -> HostJudgement:
        m = self.indicators.match_host(host)
        if m is not None:
            return HostJudgement(VerdictLabel.MALICIOUS, (_match_reason(m),), m.provenance.actor)
        reasons: list[Reason] = []
        if self.lookalikes is not None:
            hc = self.lookalikes.check(host)
            if hc.owned_by is not None:
                b = hc.owned_by
                return HostJudgement(
                    VerdictLabel.CLEAN,
                    (
                        Reason(
                            "clean.brand_domain",
                            f"{host} belongs to protected brand {b.name}",
                            brand=b.name,
                        ),
                    ),
                )
            if hc.shortener is not None:
                reasons.append(self._shortener_reason(host, hc.shortener))
            if not reasons and not self.first_seen:
                # The check's own tuple (shared with the lookalike memo): one object less.
                if hc.reasons:
                    return HostJudgement(VerdictLabel.SUSPICIOUS, hc.reasons)
                return CLEAN_JUDGEMENT
            reasons.extend(hc.reasons)
        if self.first_seen:
            reg, seen = self._first_seen(host)
            if reg is not None and seen is not None:
                now = self.now or datetime.now(UTC)
                if now - seen <= self.recent:
                    # New on its own is the long tail of honest one-off sites: it counts only as
                    # extra evidence or together with a weak signal (firstseen module docs).
                    why = "" if reasons else self._new_domain_companion(host)
                    if why is not None:
                        also = f" and {why}" if why else ""
                        detail = (
                            f"{reg} was first seen on the platform {seen:%Y-%m-%d %H:%M} "
                            f"(within {self.recent.days} days){also}"
                        )
                        reasons.append(Reason("first_seen.recent", detail))
        if reasons:
            return HostJudgement(VerdictLabel.SUSPICIOUS, tuple(reasons))
        return CLEAN_JUDGEMENT

    def _new_domain_companion(self, host: str) -> str | None:
        if self.lookalikes is not None:
            return self.lookalikes.new_domain_companion(host)
        _sub, _dom, suf = split_host(host)
        tld = suf.rsplit(".", 1)[-1]
        return f"it is on the heavily abused .{tld} TLD" if is_abused_tld(suf) else None

    def _first_seen(self, host: str) -> tuple[str | None, datetime | None]:
        h = host
        while True:
            seen = self.first_seen.get(h)
            if seen is not None:
                return h, seen
            i = h.find(".")
            if i == -1:
                return None, None
            h = h[i + 1 :]

    # -- URL level -----------------------------------------------------------------------
    def verdict(self, url: str) -> Verdict:
        return self.check_many((url,))[0]

    def _careful(self, url: str, p: ParsedUrl) -> Verdict:
        label = VerdictLabel.CLEAN
        reasons: list[Reason] = []
        actor: str | None = None
        loc = p.location
        if loc is not None and self.indicators.urls:
            m = self.indicators.match_url(loc)
            if m is not None:
                label, actor = VerdictLabel.MALICIOUS, m.provenance.actor
                reasons.append(_match_reason(m))
        if p.ip is not None:
            m = self.indicators.match_ip(p.ip)
            if m is not None:
                label, actor = VerdictLabel.MALICIOUS, actor or m.provenance.actor
                reasons.append(_match_reason(m))
        elif p.host is not None:
            j = self.judge_host(p.host)
            if _SEVERITY[j.label] > _SEVERITY[label]:
                label = j.label
            actor = actor or j.actor
            if j.label is not VerdictLabel.CLEAN or not reasons:
                reasons.extend(j.reasons)
        for code in p.problems:
            sev, template = _URL_PROBLEMS[code]
            detail = template.format(scheme=p.scheme, userinfo=(p.userinfo or "")[:80], ip=p.ip)
            if code == "url.userinfo" and p.userinfo is not None and "." not in p.userinfo:
                sev = VerdictLabel.CLEAN  # plain credentials (ftp://user:pw@host), not a disguise
            reasons.append(Reason(code, detail))
            if _SEVERITY[sev] > _SEVERITY[label]:
                label = sev
        if label is not VerdictLabel.CLEAN:
            reasons = [r for r in reasons if r.code != "clean.no_match"]
        if not reasons:
            reasons.append(CLEAN_NO_MATCH)
        domain = p.host if p.host is not None else (str(p.ip) if p.ip is not None else None)
        return Verdict(url, label, tuple(reasons), actor, domain)

    def check_many(self, urls: Sequence[str]) -> list[Verdict]:
        """Verdicts in order. Batches of :attr:`PAUSE_GC_FROM` URLs or more are judged with
        the cyclic garbage collector paused (:mod:`counterspy.infra.gcpause`)."""
        if len(urls) < self.PAUSE_GC_FROM:
            return self._check_many(urls)
        with collector_paused():
            return self._check_many(urls)

    def _check_many(self, urls: Sequence[str]) -> list[Verdict]:
        """The loop is the hot path: plain web URLs are matched with one regex and judged
        per host from the memo; everything else takes the careful parser."""
        if self.lookalikes is None and not self.first_seen and not self.indicators.urls:
            return self._check_many_indicators(urls)
        out: list[Verdict] = []
        append = out.append
        memo = self._memo
        match = FAST_RE.match
        new = tuple.__new__
        limit = self.MEMO_LIMIT
        judge: Callable[[str], HostJudgement] = self._judge_host
        if self.lookalikes is not None and not self.first_seen:
            judge = self._lookalike_judge(self.lookalikes)
        fast_ok = not self.indicators.urls
        careful = self._careful
        for url in urls:
            if fast_ok and len(url) <= MAX_URL_CHARS and (m := match(url)) is not None:
                host = m[1].lower()
                # The memo holds only hosts that passed the test below or came out of the
                # careful parser unchanged, so a hit needs no test.
                j = memo.get(host)
                if j is None:
                    if (  # not plain_host(host), inlined: rare spellings tested last
                        host[-1] in _NOT_LAST
                        or ".." in host
                        or "0x" in host
                        or ("-" in host and ("xn--" in host or "-." in host or ".-" in host))
                    ):
                        append(careful(url, parse_url(url)))
                        continue
                    if len(memo) >= limit:
                        memo.clear()
                    j = memo[host] = judge(host)
                # tuple.__new__ skips NamedTuple.__new__'s argument handling
                append(new(Verdict, (url, j.label, j.reasons, j.actor, host)))
                continue
            append(careful(url, parse_url(url)))
        return out

    def _check_many_indicators(self, urls: Sequence[str]) -> list[Verdict]:
        """:meth:`check_many` for an engine with indicators only (no lookalikes, first-seen
        or URL indicators): a new clean host costs one probe per parent domain, inlined, and
        no judge call; a clean registered name without subdomain is not even memoised."""
        out: list[Verdict] = []
        append = out.append
        memo = self._memo
        domains = self.indicators.domains
        match = FAST_RE.match
        new = tuple.__new__
        limit = self.MEMO_LIMIT
        judge = self._indicator_judge()
        clean, clean_reasons = CLEAN_JUDGEMENT.label, CLEAN_JUDGEMENT.reasons
        careful = self._careful
        for url in urls:
            if len(url) <= MAX_URL_CHARS and (m := match(url)) is not None:
                host = m[1].lower()
                j = memo.get(host)
                if j is None:
                    if (  # not plain_host(host), inlined: rare spellings tested last
                        host[-1] in _NOT_LAST
                        or ".." in host
                        or "0x" in host
                        or ("-" in host and ("xn--" in host or "-." in host or ".-" in host))
                    ):
                        append(careful(url, parse_url(url)))
                        continue
                    j = CLEAN_JUDGEMENT
                    if host in domains:
                        j = judge(host)
                    elif host.count(".") < 2:
                        # No parent to probe: clean, and not memoised (the probe just made
                        # costs what a memo probe does; a memo entry would cost more).
                        append(new(Verdict, (url, clean, clean_reasons, None, host)))
                        continue
                    else:  # match_host's parent walk, inlined
                        i, last_dot = host.find("."), host.rfind(".")
                        while i < last_dot:
                            if host[i + 1 :] in domains:
                                j = judge(host)
                                break
                            i = host.find(".", i + 1)
                    if len(memo) >= limit:
                        memo.clear()
                    memo[host] = j
                append(new(Verdict, (url, j.label, j.reasons, j.actor, host)))
                continue
            append(careful(url, parse_url(url)))
        return out
