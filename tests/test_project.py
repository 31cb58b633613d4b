"""Project files stay in step: environment.yml mirrors pyproject; CI runs the README's test command."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_mirrors_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert f"python{py['project']['requires-python']}" in env.replace(" ", "")
    m = re.search(r"-e \.\[([^\]]+)\]", env)
    assert m, "environment.yml must pip-install the project"
    extras = set(m.group(1).split(","))
    assert extras >= {"notebooks", "test"} and extras <= set(py["project"]["optional-dependencies"])


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = re.search(r"## 快速开始.*?```(?:bash)?\n(.*?)```", readme, re.S).group(1)
    commands = [ln.split("#")[0].strip() for ln in block.splitlines() if ln.split("#")[0].strip()]
    assert len(commands) == 2, "the quick start is exactly two commands"
    assert commands[1] in ci
    assert "report" in commands[0]


def test_rules_are_not_written_in_code():
    """No standard or limit of the rule table appears as a number in library code (docstrings aside)."""
    import ast

    from junheng_lib.rules.indicators import INDICATORS, RULES
    rule_values = {float(v) for v in INDICATORS[["std_primary", "std_junior"]].stack()}
    rule_values |= {float(v) for v in RULES["basic"]["composite_limit"].values()}
    rule_values |= {float(v) for v in RULES["quality"]["cv_limit"].values()}
    rule_values |= {float(RULES["quality"]["floor_share"])}
    rule_values -= {0.5, 0.9, 1.0}  # too common in layout code to police (offsets, widths)
    offenders = []
    for path in (ROOT / "junheng_lib").glob("*.py"):
        if path.name == "sample.py":  # synthetic data levels, not rules
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and type(node.value) is float and node.value in rule_values:
                offenders.append(f"{path.name}:{node.lineno}: {node.value}")
    assert not offenders, "\n".join(offenders)


def test_rule_table_is_complete():
    from junheng_lib.rules.indicators import INDICATORS, RULES, codes
    assert codes("basic") == [f"L{i}" for i in range(1, 9)] and codes("quality") == [f"Y{i}" for i in range(1, 8)]
    q = INDICATORS.loc[codes("quality")]
    assert q[["std_primary", "std_junior"]].notna().all().all()
    # every school-level resource total is split (multimedia rooms included, §1 clarified 2026-11-23);
    # teachers are reported per stage and never split
    assert set(INDICATORS.index[INDICATORS["split"]]) == {"L1", "L2", "L3", "L4", "L5", "Y4", "Y5", "Y6", "Y7"}
    kinds = {i["kind"] for i in RULES["county_item"]}
    assert kinds <= {"bool", "min", "min2", "ge_column", "rotation", "monitoring", "computed"}
    groups = [i["group"] for i in RULES["county_item"]]
    assert groups.count("政府保障程度") == 15 and groups.count("教育质量") == 9
    assert set(RULES["costs"]) >= set(INDICATORS.loc[codes("quality"), "numerator"])


def test_readme_quick_start_says_what_to_hand_over_and_which_fonts_word_needs():
    from junheng_lib.render.docx_styles import FACE_FALLBACK
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme[readme.index("## 快速开始"):readme.index("## Command line")]
    assert "交付件" in quick and ".docx" in quick and "督导室" in quick
    for face in ("仿宋_GB2312", "楷体_GB2312", "方正小标宋简体"):
        assert f"{face} → {FACE_FALLBACK[face]}" in quick  # what Word shows without it
    assert "要多久" in quick
