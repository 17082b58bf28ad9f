"""Without the model weights, the site says which of ReXrank's columns are missing and what they need."""

from __future__ import annotations

from rexbench.site import build_site, missing_rexrank_columns

from .fixtures import leaderboard_factory as factory


def test_missing_rexrank_columns_name_their_models_and_fetch_commands():
    missing = {m["id"]: m for m in missing_rexrank_columns({"bleu2_rexrank", "bertscore"})}
    assert list(missing) == ["radcliq_v1", "semb_score", "radgraph_combined", "ratescore", "green"]   # ReXrank order
    assert missing["semb_score"]["models"] == "chexbert, bert-base-uncased"
    assert missing["semb_score"]["fetch"] == "rexbench models fetch semb_score"
    # A derived column needs its inputs' models (bleu2_rexrank needs none).
    assert missing["radcliq_v1"]["models"] == "radgraph, distilroberta-base, chexbert, bert-base-uncased"
    assert missing["radcliq_v1"]["fetch"] == ("rexbench models fetch radgraph_combined; rexbench models fetch "
                                              "bertscore; rexbench models fetch semb_score")
    assert missing_rexrank_columns(["radcliq_v1", "bleu2_rexrank", "bertscore", "semb_score", "radgraph_combined",
                                    "ratescore", "green"]) == []


def test_site_card_says_which_columns_need_weights(tmp_path):
    lb = factory.make_leaderboard(3, n_splits=1, malicious=False)
    root = tmp_path / "src"
    factory.write_per_study_files(lb, root)
    build_site(lb, tmp_path / "site", source_root=root)
    html = (tmp_path / "site" / "datasets" / "demo-test.html").read_text(encoding="utf-8")
    assert "ReXrank columns not scored here, for want of model weights:" in html
    assert "<strong>SembScore</strong> needs chexbert, bert-base-uncased (<code>rexbench models fetch semb_score</code>)" in html
