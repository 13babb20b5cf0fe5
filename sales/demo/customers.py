"""The demo's channels and customers: found by their key, created through the services when
missing. Who the customers are is drawn from the reference data with a fixed seed, so they
are the same people on every machine."""

import random
import unicodedata
from dataclasses import asdict, dataclass, replace

from sales.demo.data import (
    ACTOR,
    CHANNELS,
    COMPANIES,
    COUNTRIES,
    CUSTOMER_NOTES,
    DEMO_CUSTOMERS,
    EMAIL_DOMAINS,
    REASON,
    SEED,
    STREETS,
    City,
    Country,
)
from sales.models import Address, Channel, Customer
from sales.services import address_save, channel_save, customer_save


@dataclass(frozen=True)
class Place:
    """An address as the demo knows it, before it is a row."""

    name: str
    line1: str
    postal_code: str
    city: str
    country: str
    company: str = ""
    line2: str = ""
    region: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    places: tuple[Place, ...]  # home first; a few have a workplace too
    note: str = ""

    @property
    def country(self) -> str:
        return self.places[0].country


@dataclass(frozen=True)
class Client:
    """A demo customer as saved, with its addresses in the order of the person's places."""

    customer: Customer
    addresses: list[Address]


# --- channels ---------------------------------------------------------------------------------


def seed_channels() -> dict[str, Channel]:
    channels = {}
    for data in CHANNELS:
        channel = Channel.objects.filter(code=data.code).first()
        if channel is None:
            channel = Channel(code=data.code, name=data.name)
            channel = channel_save(channel=channel, actor=ACTOR, reason=REASON)
        channels[data.code] = channel
    return channels


# --- the people who buy -----------------------------------------------------------------------


def demo_people(count: int = DEMO_CUSTOMERS) -> list[Person]:
    """`count` people with unique (whatever their case) email addresses."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    weights = [country.weight for country in COUNTRIES]
    taken: set[str] = set()
    people = []
    for _ in range(count):
        country = rng.choices(COUNTRIES, weights)[0]
        people.append(draw_person(rng, country, taken))
    return people


def draw_person(rng: random.Random, country: Country, taken: set[str]) -> Person:
    first, last = rng.choice(country.first_names), rng.choice(country.last_names)
    phone = ""
    if country.phone_prefix and rng.random() < 0.6:
        phone = f"{country.phone_prefix} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
    city = rng.choice(country.cities)
    places = [draw_place(rng, f"{first} {last}", country.code, city, phone)]
    if rng.random() < 0.12:  # a workplace in the same town, for deliveries in office hours
        work = draw_place(rng, f"{first} {last}", country.code, city, phone)
        places.append(replace(work, company=rng.choice(COMPANIES), line2=""))
    note = rng.choice(CUSTOMER_NOTES) if rng.random() < 0.03 else ""
    return Person(first, last, email_for(rng, first, last, taken), phone, tuple(places), note)


def draw_place(rng: random.Random, name: str, country: str, city: City, phone: str) -> Place:
    street = STREETS[city.streets]
    number, street_name = rng.randint(1, 180), rng.choice(street.names)
    line1 = f"{number} {street_name}" if street.number_first else f"{street_name} {number}"
    line2 = ""
    if city.streets == "fr" and rng.random() < 0.2:
        line2 = rng.choice(
            ("Bâtiment B", "Escalier 2, 3e étage", "Appartement 12", "Résidence Les Pins")
        )
    return Place(
        name=name,
        line1=line1,
        line2=line2,
        postal_code=rng.choice(city.postal_codes),
        city=city.name,
        region=city.region,
        country=country,
        phone=phone,
    )


def email_for(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    """first.last@…, flast@… or firstlast42@…; a few typed with capitals, as people do."""
    first_ascii, last_ascii = ascii_slug(first), ascii_slug(last)
    patterns = (
        f"{first_ascii}.{last_ascii}",
        f"{first_ascii[0]}{last_ascii}",
        f"{first_ascii}{last_ascii}{rng.randint(1, 99)}",
    )
    local = rng.choices(patterns, (5, 3, 2))[0]
    if rng.random() < 0.08:
        local = f"{first.split()[0]}.{last.replace(' ', '')}"  # Camille.Martin@…
        local = ascii_slug(local, keep_case=True)
    domain = rng.choice(EMAIL_DOMAINS)
    email, suffix = f"{local}@{domain}", 2
    while email.lower() in taken:
        email, suffix = f"{local}{suffix}@{domain}", suffix + 1
    taken.add(email.lower())
    return email


def ascii_slug(text: str, *, keep_case: bool = False) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = "".join(ch for ch in plain if ch.isalnum() or ch == ".")
    return plain if keep_case else plain.lower()


# --- saving them ------------------------------------------------------------------------------


def ensure_client(person: Person) -> Client:
    """The person's customer row and addresses: found by email, created when missing."""
    customer = Customer.objects.filter(email__iexact=person.email).first()
    if customer is not None:
        addresses = list(customer.addresses.order_by("pk"))
        if addresses:
            return Client(customer, addresses)
    else:
        customer = Customer(
            email=person.email,
            first_name=person.first_name,
            last_name=person.last_name,
            phone=person.phone,
            notes=person.note,
        )
        customer = customer_save(customer=customer, actor=ACTOR, reason=REASON)
    addresses = [save_place(customer, place) for place in person.places]
    return Client(customer, addresses)


def save_place(customer: Customer, place: Place) -> Address:
    address = Address(customer=customer, **asdict(place))
    return address_save(address=address, actor=ACTOR)


def seed_customers(people: list[Person]) -> list[Client]:
    return [ensure_client(person) for person in people]
