"""Built-in vocabulary for standardising company names and addresses.

Common knowledge of business records in the languages andmesh meets first (English,
German, French, Dutch, Spanish, Italian): legal forms, the abbreviations clerks use,
department phrases that are not part of a name, words that label a site rather than
name a company, street types, and the other names of large cities. An Entity spec's
``vocabulary`` section adds to these lists (never replaces them).

Every entry is written folded: lower case ASCII, umlauts as ``ae/oe/ue``, ``ß`` as
``ss``, no dots (``g.m.b.h.`` is ``gmbh``), because it is matched after folding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from andmesh.enterprise.entities.nicknames import NICKNAMES, TITLES

# Legal forms, one token each after folding and dropping dots ("S.p.A." → "spa").
LEGAL_FORMS: tuple[str, ...] = (
    # English-speaking
    "ltd", "limited", "plc", "llp", "lp", "llc", "inc", "incorporated", "corp", "corporation", "co",
    "company", "pty", "lllp",
    # German-speaking
    "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "gbr", "ek", "ev", "eg", "ug", "aktiengesellschaft",
    "kommanditgesellschaft", "se",
    # French
    "sa", "sas", "sasu", "sarl", "eurl", "snc", "sca", "sci",
    # Dutch / Belgian
    "bv", "nv", "vof", "cv", "bvba", "srl",
    # Spanish
    "sl", "slu", "sau", "scoop",
    # Italian
    "spa", "sapa", "snc", "sas", "scarl",
    # Nordic
    "ab", "as", "asa", "oy", "oyj", "aps",
)  # fmt: skip

# Legal forms spelt out in several words (matched as phrases before tokenising).
LEGAL_PHRASES: tuple[str, ...] = (
    "gesellschaft mit beschraenkter haftung",
    "public limited company",
    "limited liability company",
    "limited liability partnership",
    "societe anonyme",
    "societe par actions simplifiee",
    "societe a responsabilite limitee",
    "sociedad anonima",
    "sociedad limitada",
    "sociedad de responsabilidad limitada",
    "societa per azioni",
    "societa a responsabilita limitata",
    "besloten vennootschap",
    "naamloze vennootschap",
    "e k",
    "u co",
    "und co",
    "and co",
)

# Connectives dropped from names ("Vincent & Müller" = "Vincent and Müller" = "Vincent Müller").
STOPWORDS: tuple[str, ...] = ("and", "und", "et", "y", "en", "e", "the", "der", "die", "das", "u")

# Abbreviation → the word it stands for (applied per token, after folding).
ABBREVIATIONS: dict[str, str] = {
    "intl": "international",
    "int": "international",
    "ind": "industries",
    "inds": "industries",
    "eng": "engineering",
    "engg": "engineering",
    "mfg": "manufacturing",
    "mfrs": "manufacturers",
    "svc": "service",
    "svcs": "services",
    "serv": "services",
    "tech": "technologies",
    "techn": "technologie",
    "tecn": "tecnologie",
    "log": "logistics",
    "sol": "solutions",
    "bros": "brothers",
    "flli": "fratelli",
    "hnos": "hermanos",
    "fr": "freres",
    "hldgs": "holdings",
    "hldg": "holding",
    "grp": "group",
    "maschb": "maschinenbau",
    "elektrotechn": "elektrotechnik",
    "handelsges": "handelsgesellschaft",
    "vertr": "vertrieb",
    "distrib": "distribution",
    "dist": "distribution",
    "constr": "construction",
    "costr": "costruzioni",
    "transp": "transport",
    "trasp": "trasporti",
    "equip": "equipment",
    "elec": "electrical",
    "grooth": "groothandel",
    "installtechn": "installatietechniek",
    "mgmt": "management",
    "assoc": "associates",
    "natl": "national",
    "dept": "department",
    "ctr": "center",
    "centre": "center",
    "labs": "laboratories",
    "lab": "laboratories",
}

# Words whose spellings differ across the unit's systems: mapped to one form, so the
# abbreviation of either matches ("Logistik", "Logistics", "Logistique" → logistics).
SYNONYMS: dict[str, str] = {
    "logistik": "logistics",
    "logistique": "logistics",
    "logistica": "logistics",
    "logistiek": "logistics",
    "industrie": "industries",
    "industrias": "industries",
    "internationale": "international",
    "internazionale": "international",
    "internacional": "international",
    "technology": "technologies",
    "servicios": "services",
    "servizi": "services",
    "service": "services",
    "distribuciones": "distribution",
    "distribuzione": "distribution",
    "construcciones": "construction",
    "constructions": "construction",
    "transportes": "transport",
    "transports": "transport",
    "gruppe": "group",
    "groupe": "group",
    "gruppo": "group",
    "grupo": "group",
    "groep": "group",
    "electricite": "electrical",
}

# Phrases naming a department or function, not the company ("…, Accounts Payable").
DEPARTMENT_PHRASES: tuple[str, ...] = (
    "accounts payable",
    "accounts receivable",
    "finance department",
    "kreditorenbuchhaltung",
    "buchhaltung",
    "service comptabilite",
    "comptabilite fournisseurs",
    "comptabilite",
    "crediteurenadministratie",
    "dpto contabilidad",
    "departamento de contabilidad",
    "contabilidad",
    "ufficio contabilita",
    "contabilita fornitori",
    "attn",
    "c o",
)

# Words that label a site of a company (a warehouse, a gate) rather than the company:
# a ship-to name is cut at the first of them ("Müller Logistik Lager Köln" → "mueller logistics").
SITE_LABELS: tuple[str, ...] = (
    "warehouse", "goods in", "goods inwards", "plant", "distribution centre", "distribution center",
    "dock", "depot", "site", "yard",
    "lager", "zentrallager", "wareneingang", "werk", "tor", "auslieferungslager",
    "entrepot", "reception", "usine", "quai", "depot",
    "magazijn", "ontvangst", "distributiecentrum",
    "almacen", "recepcion", "planta", "nave",
    "magazzino", "ricevimento merci", "stabilimento", "deposito",
)  # fmt: skip

# Street types → one short form, whatever the language or the abbreviation keyed.
STREET_TYPES: dict[str, str] = {
    "strasse": "str", "str": "str", "straat": "str",
    "platz": "pl", "plein": "pl", "place": "pl", "pl": "pl",
    "laan": "ln", "lane": "ln", "ln": "ln",
    "street": "st", "st": "st",
    "road": "rd", "rd": "rd",
    "avenue": "av", "ave": "av", "av": "av", "avenida": "av", "avda": "av",
    "drive": "dr", "dr": "dr",
    "boulevard": "bd", "blvd": "bd", "bd": "bd",
    "court": "ct", "ct": "ct",
    "rue": "r", "r": "r",
    "chemin": "ch", "ch": "ch",
    "route": "rte", "rte": "rte",
    "calle": "c", "c": "c",
    "plaza": "pza", "pza": "pza", "piazza": "pza", "pzza": "pza",
    "paseo": "p", "po": "p",
    "camino": "cno", "cno": "cno",
    "via": "v", "v": "v",
    "viale": "vle", "vle": "vle",
    "corso": "cso", "cso": "cso",
    "largo": "lgo", "lgo": "lgo",
    "suite": "ste", "ste": "ste",
}  # fmt: skip

# German and Dutch write the street type glued to the name ("Bahnhofstr.", "Havenplein").
GLUED_STREET_TYPES: dict[str, str] = {
    "strasse": "str",
    "straat": "str",
    "str": "str",
    "platz": "pl",
    "plein": "pl",
    "pl": "pl",
    "laan": "ln",
}

# Other names of cities → the name used for matching (folded).
CITY_ALIASES: dict[str, str] = {
    "munich": "muenchen", "munchen": "muenchen",
    "cologne": "koeln", "koln": "koeln",
    "nuremberg": "nuernberg", "nurnberg": "nuernberg",
    "dusseldorf": "duesseldorf",
    "munster": "muenster",
    "hanover": "hannover",
    "frankfurt am main": "frankfurt", "frankfurt am": "frankfurt", "frankfurt a m": "frankfurt",
    "vienna": "wien",
    "brunswick": "braunschweig",
    "newcastle upon tyne": "newcastle",
    "new york city": "new york", "nyc": "new york",
    "saint etienne": "saint etienne", "st etienne": "saint etienne",
    "the hague": "den haag", "s gravenhage": "den haag", "sgravenhage": "den haag",
    "valencia": "valencia",
    "seville": "sevilla",
    "palma de mallorca": "palma",
    "las palmas de gran canaria": "las palmas",
    "alacant": "alicante",
    "la coruna": "a coruna", "coruna": "a coruna",
    "iruna": "pamplona",
    "rome": "roma",
    "milan": "milano",
    "naples": "napoli",
    "turin": "torino",
    "genoa": "genova",
    "florence": "firenze",
    "venice": "venezia",
    "padua": "padova",
    "lisbon": "lisboa",
    "brussels": "bruxelles", "brussel": "bruxelles",
    "antwerp": "antwerpen",
    "saragossa": "zaragoza",
    "marseilles": "marseille",
    "lyons": "lyon",
    "geneva": "geneve",
    "zurich": "zuerich",
    "copenhagen": "koebenhavn",
    "gothenburg": "goeteborg",
    "warsaw": "warszawa",
    "prague": "praha",
}  # fmt: skip

# Countries whose VAT numbers start with a two-letter prefix (Greece uses EL).
VAT_PREFIX: dict[str, str] = {
    "AT": "AT", "BE": "BE", "BG": "BG", "CY": "CY", "CZ": "CZ", "DE": "DE", "DK": "DK", "EE": "EE",
    "ES": "ES", "FI": "FI", "FR": "FR", "GB": "GB", "GR": "EL", "HR": "HR", "HU": "HU", "IE": "IE",
    "IT": "IT", "LT": "LT", "LU": "LU", "LV": "LV", "MT": "MT", "NL": "NL", "PL": "PL", "PT": "PT",
    "RO": "RO", "SE": "SE", "SI": "SI", "SK": "SK",
}  # fmt: skip


@dataclass(frozen=True)
class Vocabulary:
    """The lists a standardisation run uses: built-ins plus a spec's additions."""

    legal_forms: tuple[str, ...] = LEGAL_FORMS
    legal_phrases: tuple[str, ...] = LEGAL_PHRASES
    stopwords: tuple[str, ...] = STOPWORDS
    abbreviations: dict[str, str] = field(default_factory=lambda: dict(ABBREVIATIONS))
    synonyms: dict[str, str] = field(default_factory=lambda: dict(SYNONYMS))
    ignore: tuple[str, ...] = DEPARTMENT_PHRASES
    site_labels: tuple[str, ...] = SITE_LABELS
    street_types: dict[str, str] = field(default_factory=lambda: dict(STREET_TYPES))
    glued_street_types: dict[str, str] = field(default_factory=lambda: dict(GLUED_STREET_TYPES))
    city_aliases: dict[str, str] = field(default_factory=lambda: dict(CITY_ALIASES))
    vat_prefix: dict[str, str] = field(default_factory=lambda: dict(VAT_PREFIX))
    nicknames: dict[str, str] = field(default_factory=lambda: dict(NICKNAMES))
    titles: tuple[str, ...] = TITLES

    def extended(
        self,
        *,
        legal_forms: list[str] | None = None,
        abbreviations: dict[str, str] | None = None,
        ignore: list[str] | None = None,
        site_labels: list[str] | None = None,
        city_aliases: dict[str, list[str]] | None = None,
        nicknames: dict[str, list[str]] | None = None,
    ) -> Vocabulary:
        """A copy with a spec's additions (entries are folded like the data they match)."""
        from andmesh.enterprise.entities.standardise import fold_text

        def words(items: list[str] | None) -> tuple[str, ...]:
            return tuple(fold_text(i) for i in items or [] if fold_text(i))

        legal = [w for w in words(legal_forms) if " " not in w]
        phrases = [w for w in words(legal_forms) if " " in w]
        aliases = dict(self.city_aliases)
        for canonical, others in (city_aliases or {}).items():
            for other in others:
                aliases[fold_text(other)] = fold_text(canonical)
        nicks = dict(self.nicknames)
        for name, others in (nicknames or {}).items():
            for other in others:
                nicks[fold_text(other)] = fold_text(name)
        return Vocabulary(
            legal_forms=(*self.legal_forms, *legal),
            legal_phrases=(*self.legal_phrases, *phrases),
            stopwords=self.stopwords,
            abbreviations={
                **self.abbreviations,
                **{fold_text(k): fold_text(v) for k, v in (abbreviations or {}).items()},
            },
            synonyms=self.synonyms,
            ignore=(*self.ignore, *words(ignore)),
            site_labels=(*self.site_labels, *words(site_labels)),
            street_types=self.street_types,
            glued_street_types=self.glued_street_types,
            city_aliases=aliases,
            vat_prefix=self.vat_prefix,
            nicknames=nicks,
            titles=self.titles,
        )
