"""Who is writing: a child, a guardian, another adult or a professional.

Read from the wording only ("min son …", "jag är lärare …", "jag är 14 …"); the
intent's own default applies when nothing here matches. Patterns work on
normalised text (lower case, no å/ä/ö).
"""
from __future__ import annotations

import re

from bot.text import normalize

_PROFESSIONS = (
    r"larare|forskollarare|forskolelarare|pedagog|fritidspedagog|fritidsledare|barnskotare|rektor|kurator|"
    r"skolskoterska|skolsyster|skolkurator|sjukskoterska|bvc sjukskoterska|lakare|tandlakare|tandhygienist|"
    r"tandskoterska|psykolog|socionom|elevassistent|mentor|tranare|ledare i|personal pa|fritidsgardspersonal|"
    r"polis|barnmorska|specialpedagog|studievagledare|vardpersonal|"
    # compounds: fotbollstränare, scoutledare, idrottslärare, innebandycoach
    r"\w+tranare|\w*ledare|\w+larare|\w*coach"
)
_PROFESSIONAL = re.compile(
    rf"\b(jag ar|jobbar som|arbetar som|som|vi ar) (en )?({_PROFESSIONS})\b"
    rf"|\b(jag ar|ja ar|jag e|ja e) (hans|hennes|deras|barnets|hens) ({_PROFESSIONS})\b"
    r"|\b(min|en|var|vara|mina) (elev|elever|patient|patienter|barngrupp|klass jag har)\b"
    r"|\bi (mitt|vart) (jobb|arbete)\b|\bpa (jobbet|forskolan dar jag jobbar|skolan dar jag jobbar)\b"
    r"|\b(anmalningsplikt|anmalningsskyldig|anmalningsskyldighet)\b"
    r"|\bi tjansten\b"
    r"|\b(jobbar|arbetar) (pa|i|inom|som) (en |ett )?(skola|skolan|forskola|forskolan|fritids|fritidshem|fritidsgard|"
    r"fritidsgarden|vard|varden|vardcentral|bvc|tandvard|tandvarden|socialtjanst|socialtjansten|elevhalsan|idrottsforening|"
    r"foreningen|klubben|ungdomsmottagning)\b"
    r"|\b(i m|im|i am) an? (teacher|preschool teacher|nurse|school nurse|coach|social worker|doctor|dentist)\b"
    r"|\b(i work|working) (at|in) an? (school|preschool|kindergarten|daycare|hospital|clinic|youth club)\b"
    r"|\bas an? (teacher|nurse|coach|social worker|doctor|dentist)\b|\bmy (student|pupil|students|pupils)\b"
)
_GUARDIAN = re.compile(
    r"\b(min|var) (son|dotter|tonaring|grabb|pojke|flicka|styvson|styvdotter|bonusson|bonusdotter|unge|dotters|sons|"
    r"tonarsson|tonarsdotter|tonarsgrabb|tonarstjej|tonarskille|tonarsflicka|tonarspojke)\b"
    r"|\b(mitt|vart) (barn|yngsta|aldsta|bonusbarn|tonarsbarn)\b|\b(mina|vara) (barn|ungar|soner|dottrar|tonaringar)\b"
    r"|\b(min|var|vart) \d{1,2} ?(ariga|aring|arige)\b"
    r"|\bjag ar (mamma|pappa|foralder|vardnadshavare|mor|far|styvforalder|bonusforalder)\b"
    r"|\bsom (foralder|vardnadshavare|mamma|pappa)\b"
    r"|\b(my|our) (son|daughter|child|kid|kids|children|teen|teenager)\b"
)
_CHILD = re.compile(
    r"\b(jag|ja) (ar|e) ([1-9]|1[0-7]) ?(ar|a|ar gammal)?\b"
    r"|\b(jag|ja) gar i (ettan|tvaan|trean|fyran|femman|sexan|sjuan|attan|nian|[1-9] ?(an|or)|mellanstadiet|hogstadiet|"
    r"lagstadiet|gymnasiet)\b"
    r"|\b(min|mina) (mamma|pappa|mamma s|foraldrar|styvpappa|styvmamma|bonuspappa|bonusmamma|morsa|farsa|lararen|larare|"
    r"mentor|klass|klasskompis|kompis|kompisar|bror|syster|storebror|lillebror|storasyster|lillasyster)\b"
    r"|\b(mamma|pappa|morsan|farsan) och (hennes|hans) (nya )?(kille|tjej|sambo|pojkvan|flickvan|man|fru)\b"
    r"|\b(mammas|pappas|morsans|farsans) (nya )?(kille|tjej|sambo|pojkvan|flickvan)\b"
    # "pappa sa att han ska göra mig illa": a parent, then "mig" later in the same message
    r"|\b(mamma|pappa|morsan|farsan|styvpappa|styvmamma|bonuspappa|bonusmamma)\b (\w+ ){0,15}?(mig|mej)\b"
    r"|\b(i m|im|i am) ([1-9]|1[0-7])( years old| yo)?\b"
    r"|\b(jag ar|ja ar|jag e|ja e|im|i m) (ett barn|en tjej pa|en kille pa|under 18|tonaring|barn)\b"
)
_ADULT = re.compile(
    r"\b(jag|ja) (ar|e) (vuxen|over 18|pensionar|[2-9]\d ?(ar)?)\b"
    r"|\b(min|var) (granne|grannes|kollega|kollegas|vaninnas|kompis barn|systers barn|brors barn)\b"
    r"|\bgrannens (barn|son|dotter|unge|ungar)\b"
    # a friend's, colleague's or relative's child: another adult ("min kompis dotter", "min väns son")
    r"|\b(min|var) (kompis|kompisens|kompis s|van|vans|vannens|vaninna|vaninnas|kollega|kollegas|granne|grannes|"
    r"systers|brors|kusins|kusin) (barn|son|dotter|unge|ungar|pojke|flicka|tjej|kille|grabb)\b"
    # a grandparent, aunt or uncle: another adult, not the guardian
    r"|\b(jag|ja) (ar|e) (mormor|morfar|farmor|farfar|moster|faster|morbror|farbror|gammelmormor|gammelfarmor|gudmor|gudfar)\b"
    r"|\b(mitt|mina|vart|vara) (barnbarn|syskonbarn|brorsbarn|systerbarn)\b"
)


def detect(text: str) -> str | None:
    """'professional', 'guardian', 'child', 'adult' or None when the text does not say."""
    t = normalize(text)
    if not t:
        return None
    for audience, pattern in (
        ("professional", _PROFESSIONAL),
        ("guardian", _GUARDIAN),
        ("adult", _ADULT),
        ("child", _CHILD),
    ):
        if pattern.search(t):
            return audience
    return None


# "jag är 9", "ja e 12 år", "i'm 14": the writer's own age. Not "jag är 10 minuter sen".
_AGE = re.compile(
    r"\b(?:jag|ja|i m|im|i am)(?: (?:ar|e|typ|bara|nastan))* (\d{1,2})\b(?! (?:min|minuter|sekunder|timmar|ggr|gang|ganger"
    r"|procent|kg|cm|meter|km|kr|kronor|dagar|veckor|manader)\b)"
)


def stated_age(text: str) -> int | None:
    """The age the writer says they are, in years, or None when the text does not say."""
    match = _AGE.search(normalize(text))
    return int(match.group(1)) if match else None
