"""The scorecard editor: one row per factor (band limits, points per band, points of a missing
value), the constant, the calibration table and the spread per grade. Bad input → a clear,
translated error per field; nothing is saved."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agents.choices import GRADE_ORDER

from .features import FEATURE_BY_CODE
from .scorecard import SPEC_FORMAT, categorical_feature, neutral_points, numeric_feature


def _number(text: str, what: str) -> float:
    text = (text or "").strip().replace("，", ",")
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(_("%(what)s: “%(text)s” is not a number.") % {"what": what, "text": text}) from None
    if not math.isfinite(value) or abs(value) > 1e12:
        raise ValidationError(_("%(what)s: the number is too large.") % {"what": what})
    return value


def _numbers(text: str, what: str) -> list[float]:
    parts = [p for p in (text or "").replace("，", ",").replace(" ", "").split(",") if p != ""]
    return [_number(p, what) for p in parts]


def editor_rows(version) -> list[dict]:
    """What the editor shows for each factor of ``version``."""
    rows = []
    for f in version.spec.get("features", []):
        meta = FEATURE_BY_CODE.get(f["name"])
        row = {"name": f["name"], "type": f["type"], "label": (meta.label_zh + " " + meta.label_en) if meta
               else f["name"], "missing": f["bins"][-1]["points"], "neutral": neutral_points(f)}
        if f["type"] == "numeric":
            row["edges"] = ", ".join(f"{e:g}" for e in f["edges"])
            row["points"] = ", ".join(f"{b['points']:g}" for b in f["bins"][:-1])
        else:
            row["points"] = ", ".join(f"{c}={b['points']:g}" for b in f["bins"] if b["kind"] == "categories"
                                      for c in b["categories"])
            row["other"] = f["bins"][-2]["points"]
        rows.append(row)
    return rows


def parse_editor(data, base) -> tuple[dict, list, dict, dict]:
    """(spec, calibration, spreads, errors) from the posted editor; errors maps a field name to
    its message (empty when everything is usable)."""
    errors: dict[str, str] = {}
    features = []
    for f in base.spec.get("features", []):
        name = f["name"]
        label = FEATURE_BY_CODE[name].label_en if name in FEATURE_BY_CODE else name
        try:
            missing = _number(data.get(f"{name}__missing", ""), label)
            neutral_text = (data.get(f"{name}__neutral") or "").strip()
            neutral = _number(neutral_text, label) if neutral_text else None
            if f["type"] == "numeric":
                edges = _numbers(data.get(f"{name}__edges", ""), label)
                points = _numbers(data.get(f"{name}__points", ""), label)
                if len(points) != len(edges) + 1:
                    raise ValidationError(_("%(what)s: %(n)s band limits need %(m)s points (one per band).")
                                          % {"what": label, "n": len(edges), "m": len(edges) + 1})
                if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
                    raise ValidationError(_("%(what)s: the band limits must increase.") % {"what": label})
                features.append(numeric_feature(name, edges, points, missing=missing, neutral=neutral))
            else:
                pairs = {}
                for part in (data.get(f"{name}__points", "") or "").replace("，", ",").split(","):
                    if not part.strip():
                        continue
                    if "=" not in part:
                        raise ValidationError(_("%(what)s: write category=points, separated by commas.")
                                              % {"what": label})
                    key, value = part.split("=", 1)
                    pairs[key.strip()] = _number(value, label)
                other = _number(data.get(f"{name}__other", "0"), label)
                features.append(categorical_feature(name, pairs, other=other, missing=missing, neutral=neutral))
        except ValidationError as exc:
            errors[name] = exc.messages[0]
    try:
        base_points = _number(data.get("base", ""), _("Constant points"))
    except ValidationError as exc:
        errors["base"], base_points = exc.messages[0], 0.0
    calibration = []
    for i, grade in enumerate(GRADE_ORDER):
        try:
            min_text = (data.get(f"cal_{grade}_min") or "").strip()
            last = i == len(GRADE_ORDER) - 1
            minimum = None if last else _number(min_text, grade)
            pd_value = _number(data.get(f"cal_{grade}_pd", ""), grade)
            calibration.append({"grade": grade, "min_score": minimum, "pd": pd_value})
        except ValidationError as exc:
            errors[f"cal_{grade}"] = exc.messages[0]
    spreads = {}
    for grade in GRADE_ORDER:
        text = (data.get(f"spread_{grade}") or "").strip()
        if not text:
            spreads[grade] = ""
            continue
        try:
            value = Decimal(text)
            if not value.is_finite() or not Decimal(0) <= value < Decimal(1):
                raise InvalidOperation
            spreads[grade] = str(value)
        except (InvalidOperation, ValueError):
            errors[f"spread_{grade}"] = _("%(grade)s: the spread must be a rate between 0 and 1, e.g. 0.015.") % {
                "grade": grade}
    spec = {"format": SPEC_FORMAT, "base": base_points, "features": features}
    return spec, calibration, spreads, errors
