import pytest

from bot.audience import detect


@pytest.mark.parametrize(
    "text, expected",
    [
        ("jag är lärare och en elev har blåmärken", "professional"),
        ("Jag jobbar som förskollärare och oroar mig för ett barn", "professional"),
        ("som skolsköterska undrar jag om anmälningsplikt", "professional"),
        ("jag jobbar på fritids och ett barn säger att det inte finns mat hemma", "professional"),
        ("i work at a preschool and im worried about one of the kids", "professional"),
        ("min son har börjat röka på", "guardian"),
        ("my daughter has stopped eating", "guardian"),
        ("vår 13-åring vägrar gå till skolan", "guardian"),
        ("vår dotter vill inte gå till skolan", "guardian"),
        ("min tonårsdotter har slutat äta", "guardian"),
        ("vårt tonårsbarn är ute hela nätterna", "guardian"),
        ("Jag är pappa till en 15-åring som stjäl", "guardian"),
        ("mitt barn säger att han vill dö", "guardian"),
        ("jag är 13 och mamma dricker", "child"),
        ("ja e 14 år o mobbad", "child"),
        ("jag går i sjuan och har ingen att vara med", "child"),
        ("min pappa slar mej", "child"),
        ("mamma och hennes kille bråkar och han sparkar mig", "child"),
        ("pappas nya tjej är elak", "child"),
        ("pappa sa att han ska göra mig illa om jag berättar", "child"),
        ("mamma säger att om jag berättar för skolan om blåmärkena så kommer socialen ta mig", "child"),
        ("my dad gambles and drinks, I'm 15 and don't know who to tell", "child"),
        ("jag är pappa och min son slår mig", "guardian"),
        ("grannens barn är ute sent varje kväll", "adult"),
        ("jag är vuxen och vill tipsa", "adult"),
        ("jag är 45 och orolig", "adult"),
        ("hej", None),
        ("", None),
        ("min man slår mig", None),
    ],
)
def test_detect(text, expected):
    assert detect(text) == expected
