"""A small vendored table of given names and their nicknames (no download).

Written for andmesh from common usage in English, German, French, Spanish, Italian and
Dutch; each canonical given name (folded: lower case, umlauts spelt out, no accents)
lists the short forms and diminutives people are recorded under. It is deliberately
small: a wrong nickname links two people, so only forms that are unambiguous in these
languages are listed (``chris`` could be Christopher or Christine: left out). A mesh adds
its own under ``vocabulary.nicknames`` of an Entity spec.

>>> NICKNAMES["bob"], NICKNAMES["sepp"], NICKNAMES["paco"]
('robert', 'josef', 'francisco')
"""

from __future__ import annotations

_CANONICAL: dict[str, tuple[str, ...]] = {
    # English
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "william": ("bill", "billy", "will", "willy", "liam"),
    "richard": ("dick", "rick", "ricky", "rich", "richie"),
    "james": ("jim", "jimmy", "jamie"),
    "john": ("jack", "johnny", "jon"),
    "margaret": ("maggie", "meg", "peggy", "marge", "margie"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby", "betsy"),
    "katherine": ("kate", "katie", "kathy", "kat", "catherine", "kathryn"),
    "thomas": ("tom", "tommy"),
    "michael": ("mike", "mikey", "mick"),
    "anthony": ("tony",),
    "edward": ("ed", "eddie", "ted", "ned"),
    "charles": ("charlie", "chuck"),
    "joseph": ("joe", "joey"),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davy"),
    "matthew": ("matt",),
    "benjamin": ("ben", "benny"),
    "jennifer": ("jen", "jenny"),
    "patricia": ("pat", "patty", "trish"),
    "susan": ("sue", "susie"),
    "deborah": ("deb", "debbie"),
    "rebecca": ("becky", "becca"),
    "victoria": ("vicky", "tori"),
    "steven": ("steve", "stephen"),
    "nicholas": ("nick", "nicky"),
    "andrew": ("andy", "drew"),
    "peter": ("pete",),
    "samuel": ("sam", "sammy"),
    "timothy": ("tim", "timmy"),
    "kenneth": ("ken", "kenny"),
    "gregory": ("greg",),
    "jonathan": ("jonny",),
    "christopher": ("kit",),
    "alexander": ("alex", "sasha", "alexandre", "alessandro", "alejandro"),
    # German
    "johann": ("hans", "hannes", "jo"),
    "josef": ("sepp", "seppl", "jupp", "joseph"),
    "wolfgang": ("wolf",),
    "friedrich": ("fritz",),
    "heinrich": ("heinz", "henry", "henri"),
    "elisabeth": ("lisbeth", "elsbeth", "else", "sissi"),
    "katharina": ("kathi", "katrin", "katja"),
    "franziska": ("franzi",),
    "matthias": ("matze", "hias"),
    "christian": ("chris",),
    # French
    "jeanne": ("jeannette", "jeannine"),
    "guillaume": ("guy",),
    # Spanish, Italian, Dutch
    "francisco": ("paco", "pancho", "curro", "frasco"),
    "jose": ("pepe", "chema"),
    "manuel": ("manolo", "manu"),
    "dolores": ("lola",),
    "giuseppe": ("beppe", "peppe", "pino"),
    "giovanni": ("gianni", "nanni"),
    "francesco": ("franco", "checco"),
    "johannes": ("jan", "hans"),
    "cornelis": ("kees",),
    "hendrik": ("henk",),
}

# nickname → canonical given name (a nickname of two names is dropped: ambiguous)
_PAIRS = [(nick, name) for name, nicks in _CANONICAL.items() for nick in nicks]
_AMBIGUOUS = {nick for nick, _ in _PAIRS if sum(1 for n, _ in _PAIRS if n == nick) > 1}
NICKNAMES: dict[str, str] = {
    nick: name for nick, name in _PAIRS if nick not in _AMBIGUOUS and nick not in _CANONICAL
}

# Courtesy titles and honorifics dropped from person names.
TITLES: tuple[str, ...] = (
    "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "herr", "frau", "hr", "fr", "mme", "mlle",
    "sr", "sra", "srta", "sig", "sigra", "dhr", "mevr", "jr", "sr", "ii", "iii",
)  # fmt: skip
