import pytest

from bot.audience import detect, stated_age


@pytest.mark.parametrize(
    "text, expected",
    [
        ("jag är lärare och en elev har blåmärken", "professional"),
        ("Jag jobbar som förskollärare och oroar mig för ett barn", "professional"),
        ("som skolsköterska undrar jag om anmälningsplikt", "professional"),
        ("jag jobbar på fritids och ett barn säger att det inte finns mat hemma", "professional"),
        ("i work at a preschool and im worried about one of the kids", "professional"),
        ("hej, jag är fotbollstränare för ett flicklag", "professional"),
        ("jag är scoutledare och ett av barnen berättade något", "professional"),
        ("jag är idrottslärare", "professional"),
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
        ("jag är morfar till en flicka på fem", "adult"),
        ("ja e faster till två småkillar", "adult"),
        ("vårt barnbarn bor hos sin pappa som dricker", "adult"),
        ("min mormor är sjuk", None),
        ("jag är rädd att min kompis dotter blir slagen", "adult"),
        ("jag är hennes mentor", "professional"),
        ("min väns son verkar inte få mat", "adult"),
        ("hej", None),
        ("", None),
        ("min man slår mig", None),
    ],
)
def test_detect(text, expected):
    assert detect(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("jag är 9", 9),
        ("ja e 12 år o mobbad", 12),
        ("Jag är typ 15 och mår skit", 15),
        ("i'm 14 and scared", 14),
        ("jag är 45 och orolig", 45),
        ("jag är 10 minuter sen till skolan", None),  # a number, not an age
        ("min son är 9", None),  # someone else's age
        ("vi är 4 i familjen", None),
        ("hej", None),
    ],
)
def test_stated_age(text, expected):
    assert stated_age(text) == expected
