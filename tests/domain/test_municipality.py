from bot import municipality


def test_text_wins_over_metadata_and_memory(mini):
    assert municipality.resolve(mini, "jag bor i Beta", {"municipality": "alfa"}, remembered="alfa") == "beta"


def test_metadata_from_the_channel(mini):
    assert municipality.resolve(mini, "hej", {"municipality": "alfa"}) == "alfa"
    assert municipality.resolve(mini, "hej", {"kommun": "Beta"}) == "beta"


def test_entity_value(mini):
    assert municipality.resolve(mini, "hej", entities=["Alfas"]) == "alfa"


def test_remembered_then_default(mini, monkeypatch):
    monkeypatch.setenv(municipality.ENV_DEFAULT, "beta")
    assert municipality.resolve(mini, "hej", remembered="alfa") == "alfa"
    assert municipality.resolve(mini, "hej") == "beta"


def test_unknown_names_and_bad_metadata_give_none(mini, monkeypatch):
    monkeypatch.delenv(municipality.ENV_DEFAULT, raising=False)
    assert municipality.resolve(mini, "jag bor i Gamma", {"municipality": 42}, entities=["Gamma"]) is None
    assert municipality.resolve(mini, "", None) is None


def test_shipped_municipalities_are_found_without_diacritics(shipped):
    assert shipped.find_municipality("jag bor i kungalv").id == "kungalv"
    assert shipped.find_municipality("Nyköping").id == "nykoping"
    assert shipped.find_municipality("vi bor i soderhamn").id == "soderhamn"
    assert shipped.find_municipality("KATRINEHOLM").id == "katrineholm"
