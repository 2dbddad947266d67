"""Built-in word lists: company-name parts, streets, cities and legal forms per country.

Everything the generator needs to invent names and addresses lives here as plain
strings, so generation never touches the network. Lists are ``|``-separated because
some entries contain spaces ("De Vries", "Victor Hugo").

A city entry is ``names;postcode-prefixes;region``: the first name is the canonical
one, the others are spellings other systems use ("München" / "Munich" / "Muenchen").
"""

from __future__ import annotations

from dataclasses import dataclass


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


@dataclass(frozen=True)
class City:
    """One city: its spellings (canonical first), postcode prefixes and sales region."""

    names: tuple[str, ...]
    prefixes: tuple[str, ...]
    region: str


@dataclass(frozen=True)
class StreetType:
    """A street-type word, its abbreviation, and whether it is glued to the name."""

    long: str
    short: str
    glued: bool = False


@dataclass(frozen=True)
class LegalForm:
    """A legal form as registered, the other ways systems spell it, and its weight."""

    canonical: str
    variants: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class Language:
    """The vocabulary of one language area."""

    code: str
    surnames: tuple[str, ...]
    industries: tuple[str, ...]
    places: tuple[str, ...]
    modifiers: tuple[str, ...]
    industry_first: bool
    street_names: tuple[str, ...]
    street_types: tuple[StreetType, ...]
    branch_labels: tuple[str, ...]
    site_labels: tuple[str, ...]
    accounts_payable: str
    email_locals: tuple[str, ...]


@dataclass(frozen=True)
class Country:
    """A country: ISO-2 code, language, share of customers, currency, VAT, cities, legal forms."""

    code: str
    language: str
    weight: float
    currency: str
    vat_rate: float
    tld: str
    phone_prefix: str
    cities: tuple[City, ...]
    legal_forms: tuple[LegalForm, ...]


def _cities(text: str) -> tuple[City, ...]:
    cities = []
    for line in text.strip().splitlines():
        names, prefixes, region = line.strip().split("|")
        cities.append(City(tuple(names.split(";")), tuple(prefixes.split(",")), region))
    return tuple(cities)


BRAND_HEADS = _split(
    "Nova|Alpha|Beta|Tec|Dyna|Omni|Inter|Multi|Uni|Pro|Euro|Trans|Tri|Vita|Medi|Agri|Aero|Hydro|"
    "Electro|Ferro|Petro|Geo|Bio|Neo|Opti|Pri|Velo|Zen|Axi|Cor|Lumi|Sol|Terra|Mar|Vero|Sana|Flex|"
    "Quant|Syn|Max|Star|Pan|Ultra|Clar|Fort|Nex|Vanta|Astra|Inno|Kine"
)
BRAND_TAILS = _split(
    "tek|tech|tronic|tron|max|mark|line|flex|pro|sys|data|corp|net|soft|form|works|plan|lab|gen|via|"
    "cell|com|dyn|tex|sol|vista|port|trade|link|point|core|wave|base|gard|well|field|stone|bridge|"
    "worth|ford|mont|berg|land|haus|dal|val|ion|ex|on|ia"
)

LANGUAGES: dict[str, Language] = {
    "de": Language(
        code="de",
        surnames=_split(
            "Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|Schäfer|Koch|"
            "Bauer|Richter|Klein|Wolf|Schröder|Neumann|Schwarz|Zimmermann|Braun|Krüger|Hofmann|"
            "Hartmann|Lange|Schmitt|Werner|Schmitz|Krause|Meier|Lehmann|Schmid|Schulze|Maier|Köhler|"
            "Herrmann|König|Walter|Mayer|Huber|Kaiser|Fuchs|Peters|Lang|Scholz|Möller|Weiß|Jung|Hahn|"
            "Schubert|Vogel|Friedrich|Keller|Günther|Frank|Berger|Winkler|Roth|Beck|Lorenz|Baumann|"
            "Franke|Albrecht|Schuster|Simon|Ludwig|Böhm|Winter|Kraus|Martin|Schumacher|Krämer|Vogt|"
            "Stein|Jäger|Otto|Sommer|Groß|Seidel|Heinrich|Brandt|Haas|Schreiber|Graf|Schulte|"
            "Dietrich|Ziegler|Kuhn|Kühn|Pohl|Engel|Horn|Busch|Bergmann|Thomas|Voigt|Sauer|Arnold|"
            "Wolff|Pfeiffer"
        ),
        industries=_split(
            "Logistik|Maschinenbau|Metallbau|Elektrotechnik|Bauunternehmung|Holzbau|Kunststofftechnik|"
            "Verpackung|Antriebstechnik|Stahlhandel|Haustechnik|Lebensmittel|Getränke|Fahrzeugbau|"
            "Feinmechanik|Druckerei|Automation|Systemtechnik|Baustoffe|Handelsgesellschaft|Vertrieb|"
            "Anlagenbau|Werkzeugbau|Medizintechnik|Chemie|Textil|Möbelwerke|Elektronik|Transporte|"
            "Gebäudetechnik|Industrietechnik|Umwelttechnik|Energietechnik|Glasbau|Papierwerke|"
            "Landtechnik|Fördertechnik|Schweißtechnik|Gießerei|Lackiererei"
        ),
        places=_split("Nord|Süd|West|Ost|Rhein|Elbe|Alpen|Bayern|Hanse|Main|Saar|Ruhr|Weser|Donau|Harz"),
        modifiers=_split("Gruppe|Service|International|Holding|Partner|Handel|Systeme"),
        industry_first=False,
        street_names=_split(
            "Haupt|Bahnhof|Garten|Schiller|Goethe|Linden|Kirch|Berg|Wald|Mühlen|Industrie|Friedrich|"
            "Wilhelm|Post|Schul|Dorf|Feld|Rosen|Birken|Eichen|Ahorn|Buchen|Tannen|Wiesen|Sonnen|Markt|"
            "Brunnen|Kaiser|König|Bismarck|Mozart|Beethoven|Gewerbe|Hafen|Kanal|Rathaus|Schloss|Tal|"
            "See|Daimler"
        ),
        street_types=(
            StreetType("straße", "str.", glued=True),
            StreetType("straße", "strasse", glued=True),
            StreetType("weg", "weg", glued=True),
            StreetType("allee", "allee", glued=True),
            StreetType("platz", "pl.", glued=True),
            StreetType("ring", "ring", glued=True),
            StreetType("damm", "damm", glued=True),
        ),
        branch_labels=_split("Niederlassung|Filiale|Werk|Zweigniederlassung|Standort"),
        site_labels=_split("Lager|Wareneingang|Werk|Zentrallager|Tor"),
        accounts_payable="Kreditorenbuchhaltung",
        email_locals=_split("info|einkauf|buchhaltung|rechnung|bestellung|kontakt"),
    ),
    "en": Language(
        code="en",
        surnames=_split(
            "Smith|Jones|Taylor|Brown|Williams|Wilson|Johnson|Davies|Robinson|Wright|Thompson|Evans|"
            "Walker|White|Roberts|Green|Hall|Wood|Jackson|Clarke|Patel|Khan|Lewis|James|Phillips|Mason|"
            "Mitchell|Rose|Davis|Rodriguez|Cox|Alexander|Morgan|Moore|Martin|Harris|Clark|Young|Allen|"
            "King|Scott|Baker|Adams|Nelson|Hill|Campbell|Carter|Parker|Collins|Edwards|Stewart|Turner|"
            "Morris|Murphy|Cook|Rogers|Peterson|Cooper|Reed|Bailey|Bell|Kelly|Howard|Ward|Richardson|"
            "Watson|Brooks|Barnes|Ross|Henderson|Coleman|Jenkins|Perry|Powell|Long|Patterson|Hughes|"
            "Flores|Butler|Simmons|Foster|Bryant|Russell|Griffin|Hayes|Myers|Ford|Hamilton|Graham|"
            "Sullivan|Wallace|Woods|Cole|West|Jordan|Owens|Reynolds|Fisher|Ellis|Harrison|Gibson|"
            "McDonald|Marshall|Gilbert|Fletcher|Hunter|Holmes|Palmer|Knight|Lloyd|Marsh|Harvey|Shaw|"
            "Chapman|Dixon|Hunt|Spencer|Webb|Wells|Armstrong|Barker|Bennett|Carpenter|Dawson|Fox|"
            "Gardner|Hart|Lambert|Lawrence|Matthews|Newman|Page|Pearson|Porter|Price|Ryan|Saunders|"
            "Sharp|Stone|Thornton|Tucker|Walsh|Warren|Watts|Webster|Wheeler"
        ),
        industries=_split(
            "Engineering|Logistics|Manufacturing|Industries|Technologies|Services|Solutions|Systems|"
            "Supplies|Trading|Foods|Packaging|Plastics|Electrical|Construction|Distribution|Components|"
            "Metals|Fabrications|Holdings|Brothers|Automotive|Controls|Instruments|Labs|"
            "Pharmaceuticals|Textiles|Printing|Machinery|Tools|Equipment|Energy|Chemicals|Materials|"
            "Hydraulics|Electronics|Builders|Freight|Interiors|Furniture"
        ),
        places=_split(
            "Northern|Southern|Eastern|Western|Atlantic|Pacific|Midland|Highland|Coastal|Central|"
            "Pennine|Thames|Summit|Valley|Lakeside"
        ),
        modifiers=_split("Group|International|Partners|Services|Holdings|Worldwide|Global"),
        industry_first=False,
        street_names=_split(
            "High|Station|Church|Park|Victoria|Green|Manor|Mill|Queen|King|London|Main|Oak|Maple|Cedar|"
            "Elm|Pine|Washington|Lake|Hill|Market|Bridge|North|South|West|Commercial|Riverside|Chapel|"
            "School|Grove|Albert|York|Castle|Springfield|Meadow|Harbour|Canal|Broad|Union|Franklin"
        ),
        street_types=(
            StreetType("Street", "St"),
            StreetType("Road", "Rd"),
            StreetType("Avenue", "Ave"),
            StreetType("Lane", "Ln"),
            StreetType("Drive", "Dr"),
            StreetType("Boulevard", "Blvd"),
            StreetType("Court", "Ct"),
            StreetType("Way", "Way"),
        ),
        branch_labels=_split("Branch|Depot|Plant|Division|Site"),
        site_labels=_split("Warehouse|Goods In|Plant|Distribution Centre|Dock"),
        accounts_payable="Accounts Payable",
        email_locals=_split("info|accounts|purchasing|orders|ap|sales|office"),
    ),
    "fr": Language(
        code="fr",
        surnames=_split(
            "Martin|Bernard|Thomas|Petit|Robert|Richard|Durand|Dubois|Moreau|Laurent|Simon|Michel|"
            "Lefebvre|Leroy|Roux|David|Bertrand|Morel|Fournier|Girard|Bonnet|Dupont|Lambert|Fontaine|"
            "Rousseau|Vincent|Muller|Lefèvre|Faure|André|Mercier|Blanc|Guérin|Boyer|Garnier|Chevalier|"
            "François|Legrand|Gauthier|Garcia|Perrin|Robin|Clément|Morin|Nicolas|Henry|Roussel|"
            "Mathieu|Gautier|Masson|Marchand|Duval|Denis|Dumont|Lemaire|Noël|Meyer|Dufour|Meunier|"
            "Brun|Blanchard|Giraud|Joly|Rivière|Lucas|Brunet|Gaillard|Barbier|Arnaud|Martinez|Gérard|"
            "Roche|Renard|Schmitt|Roy|Leroux|Colin|Vidal|Caron|Picard|Roger|Fabre|Aubert|Lemoine|"
            "Renaud|Dumas|Lacroix|Olivier|Philippe|Bourgeois|Pierre|Benoit|Rey|Leclerc|Rolland|"
            "Guillaume|Lecomte"
        ),
        industries=_split(
            "Industrie|Logistique|Transports|Emballages|Mécanique|Électricité|Constructions|"
            "Distribution|Équipements|Services|Technologies|Plastiques|Métallurgie|Agroalimentaire|"
            "Automatismes|Matériaux|Menuiserie|Chaudronnerie|Imprimerie|Négoce|Bâtiment|Énergie|"
            "Chimie|Textiles|Outillage|Systèmes|Ingénierie|Conseil|Froid|Levage"
        ),
        places=_split(
            "Atlantique|Alpes|Provence|Normandie|Bretagne|Loire|Rhône|Méditerranée|Centre|Nord|Sud|"
            "Ouest|Est|Seine|Garonne"
        ),
        modifiers=_split("Groupe|International|Services|Partenaires|Associés"),
        industry_first=True,
        street_names=_split(
            "de la République|Victor Hugo|Jean Jaurès|de la Gare|du Général de Gaulle|de Paris|"
            "Pasteur|de l'Église|Gambetta|de la Paix|des Écoles|du Commerce|de l'Industrie|Voltaire|"
            "Nationale|du Moulin|des Lilas|de Verdun|Carnot|Foch|de la Liberté|du Port|des Acacias|"
            "Émile Zola|du Château|de Lyon|des Artisans|Saint-Michel|de la Mairie|des Tilleuls"
        ),
        street_types=(
            StreetType("rue", "r."),
            StreetType("avenue", "av."),
            StreetType("boulevard", "bd"),
            StreetType("place", "pl."),
            StreetType("chemin", "ch."),
            StreetType("route", "rte"),
        ),
        branch_labels=_split("Agence|Succursale|Établissement|Usine|Site"),
        site_labels=_split("Entrepôt|Réception|Usine|Quai|Dépôt"),
        accounts_payable="Service Comptabilité",
        email_locals=_split("contact|compta|achats|commandes|info|facturation"),
    ),
    "nl": Language(
        code="nl",
        surnames=_split(
            "De Jong|Jansen|De Vries|Van den Berg|Van Dijk|Bakker|Janssen|Visser|Smit|Meijer|De Boer|"
            "Mulder|De Groot|Bos|Vos|Peters|Hendriks|Van Leeuwen|Dekker|Brouwer|De Wit|Dijkstra|Smits|"
            "De Graaf|Van der Meer|Van der Linden|Kok|Jacobs|De Haan|Vermeulen|Van den Heuvel|"
            "Van der Veen|Van den Broek|De Bruijn|Van der Heijden|Schouten|Van Beek|Willems|Van Vliet|"
            "Van de Ven|Hoekstra|Maas|Verhoeven|Koster|Van Dam|Van der Wal|Prins|Blom|Huisman|Peeters|"
            "De Lange|Kuijpers|Van Wijk|Postma|Kuipers|Veenstra|Kramer|Van den Brink|Scholten|Martens|"
            "Vonk|Timmermans|Evers|Sanders|Van der Laan|Groen|Koning"
        ),
        industries=_split(
            "Techniek|Logistiek|Bouw|Transport|Installatietechniek|Metaalbewerking|Verpakkingen|Handel|"
            "Machinebouw|Elektro|Kunststoffen|Voeding|Groothandel|Constructie|Systemen|Automatisering|"
            "Staal|Hout|Glas|Drukkerij|Energie|Infra|Tuinbouw|Koeltechniek|Dienstverlening"
        ),
        places=_split(
            "Noord|Zuid|West|Oost|Holland|Brabant|Delta|Kust|Polder|Rijn|Maas|Veluwe|Friesland|Zeeland|Gelre"
        ),
        modifiers=_split("Groep|International|Partners|Holding|Beheer"),
        industry_first=False,
        street_names=_split(
            "Kerk|School|Molen|Dorps|Hoofd|Stations|Industrie|Markt|Haven|Beuken|Eiken|Linden|"
            "Wilhelmina|Juliana|Oranje|Nieuwe|Koning|Keizers|Heren|Polder|Zuid|Noord|Parallel|Energie|"
            "Tuin"
        ),
        street_types=(
            StreetType("straat", "str.", glued=True),
            StreetType("weg", "weg", glued=True),
            StreetType("laan", "ln.", glued=True),
            StreetType("plein", "pl.", glued=True),
            StreetType("kade", "kade", glued=True),
            StreetType("dijk", "dijk", glued=True),
        ),
        branch_labels=_split("Vestiging|Filiaal|Locatie|Depot"),
        site_labels=_split("Magazijn|Ontvangst|Distributiecentrum|Dock"),
        accounts_payable="Crediteurenadministratie",
        email_locals=_split("info|inkoop|administratie|facturen|bestellingen"),
    ),
    "es": Language(
        code="es",
        surnames=_split(
            "García|Rodríguez|González|Fernández|López|Martínez|Sánchez|Pérez|Gómez|Martín|Jiménez|"
            "Ruiz|Hernández|Díaz|Moreno|Muñoz|Álvarez|Romero|Alonso|Gutiérrez|Navarro|Torres|"
            "Domínguez|Vázquez|Ramos|Gil|Ramírez|Serrano|Blanco|Molina|Morales|Suárez|Ortega|Delgado|"
            "Castro|Ortiz|Rubio|Marín|Sanz|Núñez|Iglesias|Medina|Garrido|Cortés|Castillo|Santos|"
            "Lozano|Guerrero|Cano|Prieto|Méndez|Cruz|Calvo|Gallego|Vidal|León|Márquez|Herrera|Peña|"
            "Flores|Cabrera|Campos|Vega|Fuentes|Carrasco|Diez|Caballero|Reyes|Nieto|Aguilar|Pascual|"
            "Santana|Herrero|Lorenzo|Montero|Hidalgo|Giménez|Ibáñez|Ferrer|Durán|Santiago|Benítez|"
            "Mora|Vicente|Vargas|Arias|Carmona|Crespo|Román|Pastor|Soto|Sáez|Velasco|Moya|Soler|Parra|"
            "Esteban|Bravo|Gallardo|Rojas"
        ),
        industries=_split(
            "Logística|Construcciones|Transportes|Distribuciones|Industrias|Suministros|Ingeniería|"
            "Servicios|Alimentación|Embalajes|Metalúrgica|Electricidad|Plásticos|Maquinaria|"
            "Tecnología|Comercial|Instalaciones|Materiales|Químicas|Textil|Hermanos|Montajes|Energía|"
            "Automoción|Agrícola"
        ),
        places=_split(
            "Norte|Sur|Levante|Ibérica|Atlántica|Mediterránea|Cantábrica|Andaluza|Castellana|Catalana|"
            "Gallega|Central|Peninsular|Balear|Canaria"
        ),
        modifiers=_split("Grupo|Internacional|Servicios|Global"),
        industry_first=True,
        street_names=_split(
            "Mayor|Real|de la Constitución|Gran Vía|del Carmen|de Alcalá|de la Paz|Diagonal|"
            "de Andalucía|de Cervantes|del Sol|de la Libertad|de Colón|de España|de Goya|Nueva|del Mar|"
            "de la Industria|de los Olivos|San Francisco|del Prado|de la Estación|Santa Ana|del Río"
        ),
        street_types=(
            StreetType("Calle", "C/"),
            StreetType("Avenida", "Avda."),
            StreetType("Plaza", "Pza."),
            StreetType("Paseo", "Pº"),
            StreetType("Camino", "Cno."),
        ),
        branch_labels=_split("Sucursal|Delegación|Planta|Centro"),
        site_labels=_split("Almacén|Recepción|Planta|Nave"),
        accounts_payable="Dpto. Contabilidad",
        email_locals=_split("info|compras|contabilidad|pedidos|administracion"),
    ),
    "it": Language(
        code="it",
        surnames=_split(
            "Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo|Ricci|Marino|Greco|Bruno|Gallo|"
            "Conti|De Luca|Mancini|Costa|Giordano|Rizzo|Lombardi|Moretti|Barbieri|Fontana|Santoro|"
            "Mariani|Rinaldi|Caruso|Ferrara|Galli|Martini|Leone|Longo|Gentile|Martinelli|Vitale|"
            "Lombardo|Serra|Coppola|De Santis|D'Angelo|Marchetti|Parisi|Villa|Conte|Ferraro|Ferri|"
            "Fabbri|Bianco|Marini|Grasso|Valentini|Messina|Sala|De Angelis|Gatti|Pellegrini|Palumbo|"
            "Sanna|Farina|Rizzi|Monti|Cattaneo|Morelli|Amato|Silvestri|Mazza|Testa|Grassi|Pellegrino|"
            "Carbone|Giuliani|Benedetti|Barone|Rossetti|Caputo|Montanari|Guerra|Palmieri|Bernardi|"
            "Martino|Fiore|De Rosa|Ferretti|Bellini|Basile|Riva|Donati|Piras|Vitali|Battaglia|"
            "Sartori|Neri|Costantini|Milani|Pagano|Ruggiero|Sorrentino|D'Amico|Orlando|Negri"
        ),
        industries=_split(
            "Logistica|Costruzioni|Trasporti|Distribuzione|Industrie|Meccanica|Impianti|Servizi|"
            "Alimentari|Imballaggi|Elettronica|Plastica|Macchine|Tecnologie|Commerciale|Forniture|"
            "Materiali|Chimica|Tessile|Arredamenti|Automazione|Acciai|Energia|Fratelli|Ingegneria"
        ),
        places=_split(
            "Nord|Sud|Adriatica|Tirrenica|Alpina|Padana|Lombarda|Toscana|Ligure|Veneta|Emiliana|Centro|"
            "Mediterranea|Sicula|Sarda"
        ),
        modifiers=_split("Gruppo|Internazionale|Servizi|Italia"),
        industry_first=True,
        street_names=_split(
            "Roma|Garibaldi|Mazzini|Cavour|Dante|Vittorio Emanuele|Verdi|Marconi|Matteotti|Gramsci|"
            "dei Mille|della Repubblica|XX Settembre|Nazionale|dell'Industria|del Lavoro|Manzoni|"
            "Leopardi|Kennedy|San Marco|della Libertà|Europa|dei Pini|Po"
        ),
        street_types=(
            StreetType("Via", "V."),
            StreetType("Viale", "V.le"),
            StreetType("Piazza", "P.za"),
            StreetType("Corso", "C.so"),
            StreetType("Largo", "L.go"),
        ),
        branch_labels=_split("Filiale|Sede|Stabilimento|Deposito"),
        site_labels=_split("Magazzino|Ricevimento Merci|Stabilimento|Deposito"),
        accounts_payable="Ufficio Contabilità",
        email_locals=_split("info|amministrazione|acquisti|ordini|contabilita"),
    ),
}

COUNTRIES: tuple[Country, ...] = (
    Country(
        "DE",
        "de",
        0.27,
        "EUR",
        0.19,
        "de",
        "+49",
        _cities(
            """
            Berlin|10,12,13|east
            Hamburg|20,21,22|north
            München;Munich;Muenchen|80,81|south
            Köln;Cologne;Koeln|50,51|west
            Frankfurt am Main;Frankfurt a.M.;Frankfurt|60,65|west
            Stuttgart|70|south
            Düsseldorf;Duesseldorf|40|west
            Leipzig|04|east
            Dortmund|44|west
            Essen|45|west
            Bremen|28|north
            Dresden|01|east
            Hannover;Hanover|30|north
            Nürnberg;Nuremberg;Nuernberg|90|south
            Duisburg|47|west
            Bielefeld|33|west
            Bonn|53|west
            Münster;Muenster|48|west
            Mannheim|68|south
            Karlsruhe|76|south
            Augsburg|86|south
            Kiel|24|north
            Rostock|18|north
            Magdeburg|39|east
            Erfurt|99|east
            Freiburg im Breisgau;Freiburg|79|south
            Regensburg|93|south
            Kassel|34|north
            """
        ),
        (
            LegalForm("GmbH", ("Gesellschaft mit beschränkter Haftung", "Gmbh", "G.m.b.H."), 0.58),
            LegalForm("AG", ("Aktiengesellschaft", "A.G."), 0.1),
            LegalForm("GmbH & Co. KG", ("GmbH & Co KG", "GmbH u. Co. KG"), 0.22),
            LegalForm("KG", ("Kommanditgesellschaft",), 0.05),
            LegalForm("e.K.", ("e. K.", "eK"), 0.05),
        ),
    ),
    Country(
        "GB",
        "en",
        0.16,
        "GBP",
        0.20,
        "co.uk",
        "+44",
        _cities(
            """
            London|EC1A,EC2V,W1,SE1,N1,E14,NW1|south
            Manchester|M1,M4,M15|north
            Birmingham|B1,B5,B18|west
            Leeds|LS1,LS11|north
            Glasgow|G1,G2|north
            Liverpool|L1,L3|west
            Bristol|BS1,BS2|west
            Sheffield|S1,S9|north
            Edinburgh|EH1,EH6|north
            Cardiff|CF10,CF24|west
            Leicester|LE1,LE4|east
            Nottingham|NG1,NG7|east
            Newcastle upon Tyne;Newcastle|NE1,NE6|north
            Southampton|SO14,SO15|south
            Brighton|BN1,BN2|south
            Cambridge|CB1,CB2|east
            Oxford|OX1,OX4|south
            Norwich|NR1,NR3|east
            Reading|RG1,RG2|south
            Coventry|CV1,CV3|west
            Milton Keynes|MK9,MK10|east
            York|YO1,YO30|north
            Aberdeen|AB10,AB11|north
            Belfast|BT1,BT3|west
            """
        ),
        (
            LegalForm("Ltd", ("Limited", "Ltd.", "LTD"), 0.75),
            LegalForm("PLC", ("plc", "Public Limited Company"), 0.1),
            LegalForm("LLP", ("L.L.P.",), 0.15),
        ),
    ),
    Country(
        "US",
        "en",
        0.20,
        "USD",
        0.07,
        "com",
        "+1",
        _cities(
            """
            New York;New York City;NYC|100,101|east
            Los Angeles|900,901|west
            Chicago|606|north
            Houston|770|south
            Phoenix|850|west
            Philadelphia|191|east
            San Antonio|782|south
            San Diego|921|west
            Dallas|752|south
            San Jose|951|west
            Austin|787|south
            Jacksonville|322|south
            Columbus|432|north
            Charlotte|282|south
            Indianapolis|462|north
            Seattle|981|west
            Denver|802|west
            Boston|021|east
            Detroit|482|north
            Nashville|372|south
            Portland|972|west
            Atlanta|303|south
            Minneapolis|554|north
            Cleveland|441|north
            Pittsburgh|152|east
            St. Louis;Saint Louis;St Louis|631|north
            Baltimore|212|east
            Newark|071|east
            """
        ),
        (
            LegalForm("Inc.", ("Incorporated", "Inc", "INC"), 0.5),
            LegalForm("LLC", ("L.L.C.", "Llc"), 0.35),
            LegalForm("Corp.", ("Corporation", "Corp"), 0.15),
        ),
    ),
    Country(
        "FR",
        "fr",
        0.12,
        "EUR",
        0.20,
        "fr",
        "+33",
        _cities(
            """
            Paris|75|north
            Marseille|13|south
            Lyon|69|east
            Toulouse|31|south
            Nice|06|south
            Nantes|44|west
            Strasbourg|67|east
            Montpellier|34|south
            Bordeaux|33|west
            Lille|59|north
            Rennes|35|west
            Reims|51|east
            Le Havre|76|north
            Saint-Étienne;St-Etienne;Saint-Etienne|42|east
            Toulon|83|south
            Grenoble|38|east
            Dijon|21|east
            Angers|49|west
            Nîmes;Nimes|30|south
            Clermont-Ferrand|63|south
            Le Mans|72|west
            Brest|29|west
            Tours|37|west
            Amiens|80|north
            Limoges|87|west
            Rouen|76|north
            Metz|57|east
            """
        ),
        (
            LegalForm("SAS", ("S.A.S.", "Sas"), 0.45),
            LegalForm("SARL", ("S.A.R.L.", "Sarl"), 0.35),
            LegalForm("S.A.", ("SA", "Société Anonyme"), 0.2),
        ),
    ),
    Country(
        "NL",
        "nl",
        0.09,
        "EUR",
        0.21,
        "nl",
        "+31",
        _cities(
            """
            Amsterdam|10|north
            Rotterdam|30|west
            Den Haag;'s-Gravenhage;The Hague|25|west
            Utrecht|35|east
            Eindhoven|56|south
            Groningen|97|north
            Tilburg|50|south
            Almere|13|north
            Breda|48|south
            Nijmegen|65|east
            Apeldoorn|73|east
            Haarlem|20|west
            Arnhem|68|east
            Enschede|75|east
            Amersfoort|38|east
            Zwolle|80|east
            Leiden|23|west
            Maastricht|62|south
            Dordrecht|33|west
            Delft|26|west
            """
        ),
        (
            LegalForm("B.V.", ("BV", "B.V", "Besloten Vennootschap"), 0.8),
            LegalForm("N.V.", ("NV", "Naamloze Vennootschap"), 0.2),
        ),
    ),
    Country(
        "ES",
        "es",
        0.08,
        "EUR",
        0.21,
        "es",
        "+34",
        _cities(
            """
            Madrid|28|east
            Barcelona|08|east
            Valencia;València|46|east
            Sevilla;Seville|41|south
            Zaragoza|50|north
            Málaga;Malaga|29|south
            Murcia|30|south
            Palma;Palma de Mallorca|07|east
            Las Palmas de Gran Canaria;Las Palmas|35|south
            Bilbao|48|north
            Alicante;Alacant|03|east
            Córdoba;Cordoba|14|south
            Valladolid|47|north
            Vigo|36|west
            Gijón;Gijon|33|north
            A Coruña;La Coruña;Coruna|15|west
            Granada|18|south
            Pamplona;Iruña|31|north
            Santander|39|north
            Salamanca|37|west
            """
        ),
        (
            LegalForm("S.L.", ("SL", "S.L", "Sociedad Limitada"), 0.7),
            LegalForm("S.A.", ("SA", "Sociedad Anónima"), 0.3),
        ),
    ),
    Country(
        "IT",
        "it",
        0.08,
        "EUR",
        0.22,
        "it",
        "+39",
        _cities(
            """
            Roma;Rome|00|south
            Milano;Milan|20|north
            Napoli;Naples|80|south
            Torino;Turin|10|north
            Palermo|90|south
            Genova;Genoa|16|north
            Bologna|40|north
            Firenze;Florence|50|east
            Bari|70|south
            Catania|95|south
            Venezia;Venice|30|east
            Verona|37|north
            Messina|98|south
            Padova;Padua|35|east
            Trieste|34|east
            Brescia|25|north
            Parma|43|north
            Modena|41|north
            Bergamo|24|north
            Perugia|06|east
            """
        ),
        (
            LegalForm("S.r.l.", ("SRL", "Srl", "S.R.L."), 0.7),
            LegalForm("S.p.A.", ("SPA", "SpA", "S.P.A."), 0.3),
        ),
    ),
)

# Abbreviations sales clerks use when keying a name (applied to whole words).
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("International", "Intl"),
    ("Internationale", "Int."),
    ("Internazionale", "Int."),
    ("Internacional", "Int."),
    ("Industries", "Ind."),
    ("Industrie", "Ind."),
    ("Industrias", "Ind."),
    ("Engineering", "Eng."),
    ("Manufacturing", "Mfg"),
    ("Services", "Svcs"),
    ("Service", "Svc"),
    ("Servicios", "Serv."),
    ("Servizi", "Serv."),
    ("Technologies", "Tech"),
    ("Technologie", "Techn."),
    ("Tecnologie", "Tecn."),
    ("Logistics", "Log."),
    ("Logistik", "Log."),
    ("Logistique", "Log."),
    ("Solutions", "Sol."),
    ("Brothers", "Bros."),
    ("Fratelli", "F.lli"),
    ("Hermanos", "Hnos."),
    ("Frères", "Fr."),
    ("Holdings", "Hldgs"),
    ("Holding", "Hldg"),
    ("Group", "Grp"),
    ("Gruppe", "Grp."),
    ("Maschinenbau", "Maschb."),
    ("Elektrotechnik", "Elektrotechn."),
    ("Handelsgesellschaft", "Handelsges."),
    ("Vertrieb", "Vertr."),
    ("Distribution", "Distrib."),
    ("Distribuciones", "Distrib."),
    ("Distribuzione", "Distrib."),
    ("Construcciones", "Constr."),
    ("Costruzioni", "Costr."),
    ("Constructions", "Constr."),
    ("Construction", "Constr."),
    ("Transportes", "Transp."),
    ("Trasporti", "Trasp."),
    ("Transports", "Transp."),
    ("Equipment", "Equip."),
    ("Électricité", "Elec."),
    ("Electrical", "Elec."),
    ("Groothandel", "Grooth."),
    ("Installatietechniek", "Install.techn."),
)

# Carriers: name, share of shipments, and whether their feed carries proof-of-delivery.
CARRIERS: tuple[tuple[str, float, bool], ...] = (
    ("DHL", 0.22, False),
    ("UPS", 0.18, False),
    ("DPD", 0.14, False),
    ("FedEx", 0.10, False),
    ("GLS", 0.10, False),
    ("DB Schenker", 0.10, True),
    ("Kuehne+Nagel", 0.08, True),
    ("Geodis", 0.08, False),
)

DISPUTE_REASONS: tuple[str, ...] = _split(
    "price difference|goods damaged|short delivery|wrong quantity|delivered late|wrong invoice address|"
    "Preisdifferenz|Ware beschädigt|Mindermenge|PO number missing|duplicate invoice|not ordered|"
    "see email from customer|credit note pending|tbc|quality issue"
)

# Keyboard neighbours for substitution typos (QWERTY, lower case).
KEY_NEIGHBOURS: dict[str, str] = {
    "a": "s", "b": "v", "c": "x", "d": "s", "e": "r", "f": "g", "g": "h", "h": "j", "i": "o",
    "j": "k", "k": "l", "l": "k", "m": "n", "n": "m", "o": "i", "p": "o", "q": "w", "r": "t",
    "s": "a", "t": "r", "u": "i", "v": "b", "w": "e", "x": "c", "y": "t", "z": "x",
}  # fmt: skip
