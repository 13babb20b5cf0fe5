"""The demo sales' reference data: channels, the people who buy (names and addresses in France
and its neighbours), and the odds that shape an order's story."""

from dataclasses import dataclass
from decimal import Decimal

from inventory.demo.data import ACTOR as CATALOG_ACTOR

ACTOR = CATALOG_ACTOR  # one system actor for the whole demo: the ledger names seed_demo
REASON = "Demo sales"
SEED = 20250901
DAYS = 365  # the demo's orders are spread over the last twelve months
DEMO_CUSTOMERS = 300
DEMO_ORDERS = 2000
DEMO_DRAFTS = 12  # carts keyed in by phone and never confirmed, in the last weeks
SYNTHETIC_ORDER = "SYN-"  # the numbers of `--orders` bulk orders, apart from the demo's
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # reserved: nobody gets mail


@dataclass(frozen=True)
class ChannelData:
    code: str
    name: str
    share: float  # of the orders
    shipping: Decimal  # flat rate in France, before tax
    shipping_abroad: Decimal
    free_from: Decimal | None  # line subtotal from which shipping is free


WEB = ChannelData("web", "Web shop", 0.72, Decimal("4.90"), Decimal("9.90"), Decimal("80"))
MARKETPLACE = ChannelData(
    "marketplace", "Marketplace", 0.28, Decimal("5.90"), Decimal("5.90"), None
)
CHANNELS = (WEB, MARKETPLACE)
SHIPPING_TAX_RATE = Decimal("20.000")


# --- people -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Street:
    names: tuple[str, ...]
    number_first: bool  # "12 Rue Victor Hugo" or "Hauptstraße 12"


@dataclass(frozen=True)
class City:
    name: str
    postal_codes: tuple[str, ...]
    streets: str  # key in STREETS
    region: str = ""


@dataclass(frozen=True)
class Country:
    code: str
    weight: int  # of the customers
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[City, ...]
    phone_prefix: str = ""  # fictional numbers; "": no phone on file


STREETS = {
    "fr": Street(
        (
            "Rue de la République",
            "Rue Victor Hugo",
            "Avenue Jean Jaurès",
            "Boulevard Voltaire",
            "Rue des Lilas",
            "Place du Marché",
            "Rue Pasteur",
            "Chemin des Vignes",
            "Rue de la Paix",
            "Allée des Tilleuls",
            "Rue du Moulin",
            "Quai des Tanneurs",
            "Impasse des Rosiers",
            "Rue Saint-Jacques",
        ),
        number_first=True,
    ),
    "nl": Street(
        ("Veldstraat", "Kerkstraat", "Meir", "Stationsstraat", "Lange Lozanastraat"), False
    ),
    "de": Street(
        ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße"), False
    ),
    "it": Street(("Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele II", "Via Dante"), False),
    "es": Street(("Calle Mayor", "Carrer de Mallorca", "Avenida de la Constitución"), False),
}

FRENCH_FIRST = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Juliette", "Louise", "Emma", "Zoé",
    "Clara", "Anaïs", "Margaux", "Pauline", "Élise", "Mathilde", "Hélène", "Nathalie", "Sophie",
    "Isabelle", "Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Thomas", "Nicolas",
    "Julien", "Antoine", "Maxime", "Romain", "Théo", "Mathieu", "Olivier", "Pierre", "Benoît",
    "Rémi", "Yanis", "Karim",
)  # fmt: skip
FRENCH_LAST = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin",
    "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Mathieu", "Clément", "Gauthier",
    "Chevalier", "Benali", "Nguyen", "Da Silva", "Lemaire",
)  # fmt: skip

COUNTRIES = (
    Country(
        "FR",
        74,
        FRENCH_FIRST,
        FRENCH_LAST,
        (
            City("Paris", ("75003", "75010", "75011", "75014", "75017", "75020"), "fr"),
            City("Lyon", ("69001", "69003", "69007"), "fr"),
            City("Marseille", ("13001", "13006", "13008"), "fr"),
            City("Toulouse", ("31000", "31400"), "fr"),
            City("Bordeaux", ("33000", "33800"), "fr"),
            City("Nantes", ("44000", "44100"), "fr"),
            City("Lille", ("59000", "59800"), "fr"),
            City("Strasbourg", ("67000",), "fr"),
            City("Rennes", ("35000",), "fr"),
            City("Montpellier", ("34000",), "fr"),
            City("Nice", ("06000", "06300"), "fr"),
            City("Grenoble", ("38000",), "fr"),
            City("Dijon", ("21000",), "fr"),
            City("Annecy", ("74000",), "fr"),
            City("Tours", ("37000",), "fr"),
            City("Aix-en-Provence", ("13100",), "fr"),
            City("Brest", ("29200",), "fr"),
            City("Rouen", ("76000",), "fr"),
            City("Clermont-Ferrand", ("63000",), "fr"),
            City("Saint-Malo", ("35400",), "fr"),
        ),
        phone_prefix="+33 6 39 98",  # the range ARCEP keeps for fiction
    ),
    Country(
        "BE",
        8,
        ("Lucie", "Elise", "Noémie", "Charlotte", "Maxime", "Arnaud", "Wout", "Pieter", "Lotte", "Sander"),
        ("Peeters", "Janssens", "Maes", "Jacobs", "Dubois", "Lambert", "Dupont", "Claes", "Goossens", "Wouters"),
        (
            City("Bruxelles", ("1000", "1050", "1060"), "fr"),
            City("Liège", ("4000",), "fr"),
            City("Namur", ("5000",), "fr"),
            City("Gent", ("9000",), "nl"),
            City("Antwerpen", ("2000", "2018"), "nl"),
        ),
    ),
    Country(
        "DE",
        5,
        ("Lena", "Hannah", "Anna", "Lea", "Jonas", "Felix", "Lukas", "Maximilian", "Paul", "Katrin"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer"),
        (
            City("Freiburg im Breisgau", ("79098",), "de"),
            City("Saarbrücken", ("66111",), "de"),
            City("Berlin", ("10115", "10999"), "de"),
            City("München", ("80331",), "de"),
            City("Köln", ("50667",), "de"),
        ),
    ),
    Country(
        "IT",
        4,
        ("Giulia", "Francesca", "Chiara", "Sofia", "Marco", "Luca", "Matteo", "Alessandro", "Davide", "Elena"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"),
        (
            City("Torino", ("10121", "10128"), "it", "TO"),
            City("Milano", ("20121", "20144"), "it", "MI"),
            City("Genova", ("16121",), "it", "GE"),
        ),
    ),
    Country(
        "ES",
        3,
        ("Lucía", "María", "Paula", "Carmen", "Javier", "Pablo", "Jordi", "Álvaro", "Marta", "Iker"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Puig", "Etxeberria", "Ruiz", "Torres"),
        (
            City("Barcelona", ("08001", "08012"), "es"),
            City("Donostia-San Sebastián", ("20001",), "es"),
            City("Girona", ("17001",), "es"),
        ),
    ),
    Country(
        "CH",
        3,
        ("Léonie", "Noah", "Mia", "Luca", "Céline", "Yannick", "Nina", "Samuel", "Laura", "Fabien"),
        ("Favre", "Rochat", "Meier", "Keller", "Bonvin", "Gerber", "Perret", "Huber", "Morard", "Baumann"),
        (
            City("Genève", ("1201", "1205"), "fr", "GE"),
            City("Lausanne", ("1003",), "fr", "VD"),
            City("Basel", ("4051",), "de", "BS"),
        ),
    ),
    Country(
        "LU",
        3,
        ("Claire", "Laurent", "Mireille", "Gilles", "Anne", "Marc", "Tom", "Sven", "Carole", "Yves"),
        ("Schmit", "Weber", "Hoffmann", "Wagner", "Muller", "Thill", "Reuter", "Kieffer", "Schiltz", "Hansen"),
        (
            City("Luxembourg", ("1111", "2240", "1724"), "fr"),
            City("Esch-sur-Alzette", ("4001",), "fr"),
        ),
    ),
)  # fmt: skip

# A few customers are businesses buying gifts or fitting out a shop.
COMPANIES = (
    "Atelier Lumière SARL",
    "Café des Arts",
    "Studio Nord",
    "Maison Verte",
    "Le Comptoir du Lin",
    "Hôtel Les Tilleuls",
)
CUSTOMER_NOTES = (
    "Prefers delivery to the workplace on weekdays.",
    "Wholesale enquiry in spring: send the trade price list if they ask again.",
    "Allergic to wool: suggest cotton alternatives.",
    "Regular at the Paris shop; orders online for gifts.",
)


# --- the story of an order --------------------------------------------------------------------

# (method, share of the web shop's payments); a bank transfer arrives days later, if ever
WEB_PAYMENTS = (("Card", 0.70), ("PayPal", 0.15), ("Bank transfer", 0.15))
MARKETPLACE_PAYMENT = "Marketplace payout"
UNPAID_TRANSFERS = 0.25  # of bank transfers: never paid, the order is cancelled
PAID_THEN_CANCELLED = 0.025  # the customer changes their mind before it ships
INVOICED = {"web": 0.7, "marketplace": 0.4}  # of the shipped orders, invoiced when shipped
RETURNED = 0.08  # of the shipped orders: units sent back and restocked
RETURNED_DAMAGED = 0.02  # sent back broken: refunded, not restocked
GOODWILL = 0.04  # of the shipped orders: part of the price given back
NOTED = 0.10  # of the orders: a note on the order
DISCOUNTED = 0.08  # of the orders: a promotion code, 10 % off every line
MADE_TO_ORDER_LINES = 0.04  # of the lines: a made-to-order piece, shipped once it is made

LINE_COUNTS = (1, 2, 3, 4, 5)
LINE_COUNT_WEIGHTS = (52, 29, 12, 5, 2)
QUANTITIES = (1, 2, 3)
QUANTITY_WEIGHTS = (82, 14, 4)
HOUR_WEIGHTS = (
    1, 1, 0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 6, 6, 5, 5, 5, 6, 7, 8, 9, 8, 5, 2,
)  # fmt: skip

# (carrier, tracking number prefix, suffix)
CARRIERS = {
    "FR": (("Colissimo", "6A", ""), ("Mondial Relay", "MR", ""), ("Chronopost", "XY", "FR")),
    "abroad": (("DHL", "JJD", ""), ("DPD", "0550", ""), ("Colissimo", "CB", "FR")),
}
RETURN_REASONS = (
    "Too small",
    "Too big",
    "Colour not as expected",
    "Changed their mind",
    "Ordered two sizes, kept one",
)
DAMAGED_REASON = "Arrived damaged: refunded, not resaleable"
GOODWILL_REASONS = (
    ("Late delivery: goodwill gesture", Decimal("5.00")),
    ("Parcel arrived crushed, customer kept it", Decimal("10.00")),
    ("Promotion code forgotten at checkout", None),  # 10 % of the order
)
CANCEL_REASONS = (
    "Bank transfer never received",
    "Customer no longer needs it",
)
PAID_CANCEL_REASON = "Customer cancelled before shipping"
NOTES = (
    ("internal", "Gift wrap requested: wrap in kraft paper with the card."),
    ("internal", "Customer called to check the delivery date."),
    ("internal", "Leave with the neighbour at number 14 if absent."),
    ("customer", "Your parcel is on its way: thank you for your order!"),
    ("customer", "We are sorry for the wait: the carrier had a backlog this week."),
)
