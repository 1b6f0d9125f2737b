from tests.support import Api


def test_starter_catalog_lists_policies_of_four_domains(api: Api) -> None:
    data = api.data("{ policies { domain key version dsaCategory dsaGround } }")
    domains = {p["domain"] for p in data["policies"]}
    assert domains == {"trust_safety", "ads", "shopping", "monetization"}
    assert all(p["dsaCategory"].startswith("STATEMENT_CATEGORY_") for p in data["policies"])
