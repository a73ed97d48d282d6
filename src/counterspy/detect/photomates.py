"""Counter-evidence: a profile photo shared only with accounts that show nothing is no tie.

A profile photo used by a few accounts (``engagement.shared_photo``; the coordination tie
``shared_photo``; admission by ``operation_shared_photo``) is persona evidence when the other
holders of the photo are personas too: the firms in Meta's December 2021 report ran sets of
fake accounts, and a set made by one team reuses its pictures. But two or three ordinary
people also end up with one picture — a couple or a household using the same family photo, a
fan picture, a stock image under the stock limit — and then the photo ties an account to
people who *do nothing* a surveillance operator does.

On the seen seeds at stealth 2 (1–40, 601–603, 701–703) this made one false operation twice
(validation seed 32, fresh seed 703): an account reading at-risk people at large (an NGO
caseworker, a researcher; the at-risk family capped at 0.8) topped up to exactly 1.0 by the
photo it shares with one or two ordinary accounts, and then one of those ordinary accounts,
with no signal of its own, admitted to its "operation" by the same photo. One photo was
counted twice: once to flag the reader, once to admit the ordinary account.

So, after every admission step: a flagged account whose score without its photo evidence is
below the threshold, that is tied to no suspect by anything but the photo (no co-action, no
shared device or address), and none of whose photo's other holders shows evidence of its own (other
than the photo) of at least ``min_other_evidence`` (the candidate threshold, 0.2), gets one
counter-evidence row taking the photo evidence off (it is not flagged). Then an account whose
flag rests on its photo and whose photo's only holders with evidence of their own are such
unconfirmed accounts goes too (it was admitted on the photo of an account that is no longer
flagged). Every other photo tie is kept: on seeds 1–40 and the fresh seeds every flagged
persona whose flag rests on a photo has a photo-mate with evidence of its own, but one
(validation seed 26: its photo-mate is a silent persona).

One small Ibis query (the photos of the few accounts concerned and their holders); the rest
works on the signal rows.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pandas as pd

from counterspy.analytics.engine import fetch
from counterspy.detect.base import SIGNAL_COLUMNS, DetectionContext
from counterspy.detect.scoring import account_scores

DETECTOR = "persona.unconfirmed_photo"
SIGNAL = "unconfirmed_photo"
PHASE = "persona"


@dataclass(frozen=True)
class UnconfirmedPhotos:
    """A photo's holders must show evidence of their own (see the module docstring)."""

    enabled: bool = True
    version = 1
    # The signals that count a shared profile photo (engagement, coordination tie, admission).
    photo_signals: tuple[str, ...] = ("shared_photo", "operation_shared_photo")
    # Evidence (without photo signals) another holder needs for the photo to confirm anything:
    # the scoring's candidate threshold (an account below it is not even a candidate).
    min_other_evidence: float = 0.2
    # Accounts with a positive signal of this phase besides the photo (co-action, a shared
    # device or address with a suspect) are exempt: something else ties them to suspects
    # (validation seed 26: a persona on an address shared with a suspect, whose photo-mate is
    # a silent persona).
    tie_phase: str = "coordination"

    def params_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def rows(
        self,
        ctx: DetectionContext,
        signals: pd.DataFrame,
        scores: pd.Series,
        threshold: float,
        uncapped: tuple[str, ...] = (),
    ) -> pd.DataFrame:
        """Counter-evidence rows for the accounts ``scores`` flags at ``threshold`` whose flag
        rests on a photo no holder with evidence of its own confirms."""
        empty = pd.DataFrame(columns=list(SIGNAL_COLUMNS))
        if not self.enabled or signals.empty:
            return empty
        is_photo = signals["signal"].isin(self.photo_signals)
        own = account_scores(signals[~is_photo], uncapped).reindex(scores.index).fillna(0.0)
        flagged = scores[scores >= threshold]
        resting = set(signals.loc[is_photo, "account_id"]) & set(
            flagged.index[own.reindex(flagged.index) < threshold]
        )
        # Tied to suspects by something besides the photo (co-action, a device, an address):
        # the photo is one more tie among personas, not the only one.
        tied = signals[(signals["phase"] == self.tie_phase) & (signals["weight"] > 0) & ~is_photo]
        resting -= set(tied["account_id"])
        if not resting:
            return empty
        holders = self._holders(ctx, resting)
        if holders.empty:
            return empty
        holders["own"] = holders["account_id"].map(own).fillna(0.0)
        holders["shows"] = holders["own"] >= self.min_other_evidence
        mine = holders[holders["account_id"].isin(resting)]
        # Per (account, photo): the other holders that show evidence of their own.
        pairs = mine[["account_id", "photo_hash"]].merge(
            holders.loc[holders["shows"], ["account_id", "photo_hash"]].rename(
                columns={"account_id": "other"}
            ),
            on="photo_hash",
        )
        pairs = pairs[pairs["account_id"] != pairs["other"]]
        confirmed = set(pairs["account_id"])
        first = set(mine["account_id"]) - confirmed
        # Admitted on the photo of an account that is no longer flagged: every holder that
        # shows evidence of its own is itself unconfirmed.
        backed = set(pairs.loc[~pairs["other"].isin(first), "account_id"])
        second = confirmed - backed
        out_ids = sorted(first | second)
        if not out_ids:
            return empty
        photo = mine.drop_duplicates("account_id").set_index("account_id")["photo_hash"]
        n_holders = holders.groupby("photo_hash")["account_id"].nunique()
        rows = signals[is_photo & signals["account_id"].isin(out_ids)]
        out = pd.DataFrame({"account_id": out_ids})
        out["detector"] = DETECTOR
        out["version"] = self.version
        out["phase"] = PHASE
        out["signal"] = SIGNAL
        ids = out["account_id"]
        # Every account of ``out_ids`` holds a photo (``mine``); its holders, 0 if none.
        its_photo = ids.map(photo)
        holding = its_photo.map(n_holders).fillna(0).astype("int64")
        out["value"] = holding.astype("float64")
        out["threshold"] = self.min_other_evidence
        # Takes the photo evidence off: the account scores its evidence without the photo.
        drop = scores.reindex(out_ids).to_numpy() - own.reindex(out_ids).to_numpy()
        out["weight"] = -drop
        by = rows.groupby("account_id")
        out["window_start"] = by["window_start"].min().reindex(out_ids).to_numpy()
        out["window_end"] = by["window_end"].max().reindex(out_ids).to_numpy()
        ties = ids.isin(first).map(
            {
                True: "no account that shows evidence of its own",
                False: "only accounts whose own photo tie is unconfirmed",
            }
        )
        out["evidence"] = (
            "its profile photo "
            + its_photo.astype("str")
            + " (used by "
            + holding.astype("str")
            + " accounts) ties it to "
            + ties
            + f" (min {self.min_other_evidence:g} without photo evidence): the photo counts "
            + "nothing; without it the account scores "
            + ids.map(own).map("{:.2f}".format)
            + f" (threshold {threshold:g})"
        )
        out["params"] = self.params_json()
        return out[list(SIGNAL_COLUMNS)]

    @staticmethod
    def _holders(ctx: DetectionContext, accounts: set[str]) -> pd.DataFrame:
        """(account_id, photo_hash) of every account using a photo one of ``accounts`` uses."""
        acc = ctx.accounts.filter(ctx.accounts.photo_hash.notnull())
        mine = acc.filter(acc.account_id.isin(sorted(accounts)))
        photos = mine.select("photo_hash").distinct()
        held = acc.semi_join(photos, "photo_hash").select("account_id", "photo_hash")
        out: pd.DataFrame = fetch(held)
        return out
