"""The method paragraph: a plan described in plain Vietnamese or English, for tables and exports."""

from __future__ import annotations

from .plan import AnalysisPlan

__all__ = ["describe_plan"]

_TEXT = {
    "vi": {
        "head": "Phương pháp (kế hoạch phân tích «{label}»).",
        "design": {
            "auto": "Thiết kế: phân tầng theo xã, lấy thôn làm đơn vị mẫu khi phiếu ghi thôn "
            "(nếu không, lấy từng người trả lời).",
            "clustered": "Thiết kế: phân tầng theo xã, thôn là đơn vị mẫu bậc một (chọn có hoàn lại).",
            "stratified": "Thiết kế: phân tầng theo xã, mỗi người trả lời là một đơn vị mẫu.",
        },
        "weights": {
            "auto": "Trọng số thiết kế: cột trọng số nếu có, nếu không là dân số thôn chia số người "
            "trả lời của thôn, nếu không nữa thì bằng 1.",
            "one": "Trọng số thiết kế bằng 1.",
            "given": "Trọng số thiết kế lấy từ cột trọng số của phiếu.",
            "hamlet": "Trọng số thiết kế = dân số thôn ÷ số người trả lời của thôn.",
        },
        "calibration": {
            "rake": "Hiệu chỉnh: cân chỉnh lặp (raking) theo tổng từng biến của từng xã.",
            "poststratify": "Hiệu chỉnh: hậu phân tầng theo ô dân số của từng xã.",
            "none": "Không hiệu chỉnh trọng số.",
        },
        "collapse": "Ô trống trong một xã được gộp: nhóm tuổi liền kề, rồi chỉ theo giới tính, rồi chỉ "
        "trọng số thiết kế; bảng ghi rõ xã nào đã gộp.",
        "trim": "Trọng số được giới hạn trong [{lo:g}; {hi:g}] lần trọng số trung bình của xã rồi hiệu "
        "chỉnh lại.",
        "satisfied": "«Hài lòng» là trả lời từ {sat} trở lên, «không hài lòng» là từ {dis} trở xuống, "
        "trên thang 1–{max}; mỗi câu tính trên những người đã trả lời câu đó.",
        "composite": "Chỉ số tổng hợp là trung bình có trọng số của các ước lượng từng câu{weights}.",
        "composite_weights": " (trọng số câu hỏi{criteria} theo kế hoạch)",
        "criteria": " và tiêu chí",
        "ci": {
            "beta": "Khoảng tin cậy {level:g}%: Korn–Graubard (beta) cho tỷ lệ, logit trên thang trả lời "
            "cho điểm trung bình.",
            "logit": "Khoảng tin cậy {level:g}%: logit cho tỷ lệ, t cho điểm trung bình.",
            "t": "Khoảng tin cậy {level:g}%: phân phối t.",
            "normal": "Khoảng tin cậy {level:g}%: phân phối chuẩn.",
        },
        "variance": {
            "linearization": "Phương sai: tuyến tính hóa Taylor có tính đến hiệu chỉnh trọng số.",
            "jkn": "Phương sai: jackknife bỏ từng thôn, mỗi bản sao được hiệu chỉnh lại.",
            "bootstrap": "Phương sai: bootstrap Rao–Wu có co giãn trọng số ({replicates} bản sao, hạt giống "
            "{seed}), mỗi bản sao được hiệu chỉnh lại.",
        },
        "lonely": "Xã chỉ có một thôn (hoặc một người) được khảo sát: quy tắc «{rule}» của gói survey "
        "trong R.",
        "min_n": "Dòng có cỡ mẫu hiệu dụng dưới {n:g} ghi «chưa đủ phiếu» và không đánh giá so với chỉ tiêu.",
        "targets": "Chỉ tiêu: {list}; đạt khi cả khoảng tin cậy nằm trên chỉ tiêu, không đạt khi cả "
        "khoảng nằm dưới, còn lại là chưa kết luận được.",
        "no_targets": "Không có chỉ tiêu nào áp dụng.",
        "levels": {"commune": "xã", "district": "huyện", "overall": "toàn tỉnh"},
    },
    "en": {
        "head": "Method (analysis plan “{label}”).",
        "design": {
            "auto": "Design: stratified by commune, hamlets as primary sampling units when responses "
            "record them (otherwise respondents).",
            "clustered": "Design: stratified by commune, hamlets as primary sampling units (with replacement).",
            "stratified": "Design: stratified by commune, each respondent a sampling unit.",
        },
        "weights": {
            "auto": "Design weights: the weight column if present, else hamlet population ÷ the hamlet's "
            "respondents, else 1.",
            "one": "Design weights equal to 1.",
            "given": "Design weights from the responses' weight column.",
            "hamlet": "Design weights = hamlet population ÷ the hamlet's respondents.",
        },
        "calibration": {
            "rake": "Calibration: raking to each commune's margins.",
            "poststratify": "Calibration: post-stratification to each commune's population cells.",
            "none": "No calibration.",
        },
        "collapse": "Empty cells within a commune are collapsed: neighbouring age groups, then sex only, "
        "then design weights only; the table says which communes were collapsed.",
        "trim": "Weights are trimmed to [{lo:g}, {hi:g}] times the commune's mean weight and re-calibrated.",
        "satisfied": "“Satisfied” means an answer of {sat} or more, “dissatisfied” {dis} or less, on a "
        "1–{max} scale; each item uses the respondents who answered it.",
        "composite": "The composite index is a weighted mean of the item estimates{weights}.",
        "composite_weights": " (item{criteria} weights from the plan)",
        "criteria": " and criterion",
        "ci": {
            "beta": "{level:g}% intervals: Korn–Graubard (beta) for shares, logit on the answer scale for "
            "means.",
            "logit": "{level:g}% intervals: logit for shares, t for means.",
            "t": "{level:g}% intervals: t distribution.",
            "normal": "{level:g}% intervals: normal distribution.",
        },
        "variance": {
            "linearization": "Variance: Taylor linearization accounting for the calibration.",
            "jkn": "Variance: delete-one-hamlet jackknife, each replicate re-calibrated.",
            "bootstrap": "Variance: Rao–Wu rescaling bootstrap ({replicates} replicates, seed {seed}), each "
            "replicate re-calibrated.",
        },
        "lonely": "A commune with one sampled hamlet (or respondent): R survey's lonely-PSU rule “{rule}”.",
        "min_n": "Rows with an effective sample size below {n:g} read “not enough responses” and are "
        "never judged against a target.",
        "targets": "Targets: {list}; met when the whole interval lies above the target, not met when it "
        "lies below, otherwise cannot tell.",
        "no_targets": "No target applies.",
        "levels": {"commune": "commune", "district": "district", "overall": "province"},
    },
}


def describe_plan(plan: AnalysisPlan, lang: str = "vi") -> str:
    """The method paragraph of ``plan`` in Vietnamese (``vi``) or English (``en``)."""
    if lang not in _TEXT:
        raise ValueError(f"language must be 'vi' or 'en', not {lang!r}")
    t = _TEXT[lang]
    parts = [
        t["head"].format(label=plan.label),
        t["design"][plan.design],
        t["weights"][plan.design_weights],
        t["calibration"][plan.calibration],
    ]
    if plan.collapse and plan.calibration != "none":
        parts.append(t["collapse"])
    if plan.trim:
        parts.append(t["trim"].format(lo=plan.trim[0], hi=plan.trim[1]))
    parts.append(t["satisfied"].format(sat=plan.satisfied_min, dis=plan.dissatisfied_max, max=plan.scale_max))
    weights = ""
    if plan.item_weights:
        weights = t["composite_weights"].format(criteria=t["criteria"] if plan.criterion_weights else "")
    parts.append(t["composite"].format(weights=weights))
    parts.append(t["ci"][plan.ci].format(level=100 * plan.conf_level))
    parts.append(t["variance"][plan.variance].format(replicates=plan.replicates, seed=plan.seed))
    parts.append(t["lonely"].format(rule=plan.lonely_psu))
    parts.append(t["min_n"].format(n=plan.min_n_eff))
    parts.append(_targets(plan, t))
    return " ".join(parts)


def _targets(plan: AnalysisPlan, t: dict) -> str:
    rules = plan.threshold_rules()
    if not rules:
        return t["no_targets"]
    return t["targets"].format(list=", ".join(_target(rule, t) for rule in rules))


def _target(rule, t: dict) -> str:
    sign = "≤" if rule.measure == "prop_dissat" else "≥"  # fewer dissatisfied is better
    value = f"{100 * rule.target:g}%" if rule.measure.startswith("prop") else f"{rule.target:g}"
    where = t["levels"][rule.level] + ("" if rule.item == "*" else f", {rule.item}")
    return f"{rule.measure} {sign} {value} ({where})"
