"""The built-in export formats: STIX 2.1 (more are registered the same way)."""

from __future__ import annotations

from counterspy.share.findings import Findings
from counterspy.share.stix import dumps, stix_export
from counterspy.share.tlp import Tlp
from counterspy.share.writers import ExportResult, Writer, register


@register
class StixWriter(Writer):
    name = "stix"
    suffix = ".stix2"
    description = "STIX 2.1 bundle (profiles: strict, mvt)"

    def write(self, findings: Findings, *, tlp: Tlp, profile: str) -> ExportResult:
        e = stix_export(findings, tlp=tlp, profile_name=profile)
        return ExportResult(dumps(e.bundle), e.gate, e.skipped, e.counts)


def _register_flat() -> None:
    from counterspy.share import flat  # noqa: F401  (MISP and Meta CSV writers)


_register_flat()
