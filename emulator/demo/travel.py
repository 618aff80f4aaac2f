"""The "Cancel my Turkish Airlines flight" scenario and its distractors.

The upcoming trip: Sam is in Istanbul 6-9 December 2023 for a workshop with the client
Anadolu Perakende (see extra_mail.py) and flies home to London on Saturday 9 December
with Turkish Airlines TK 1980, booking reference SXK4QZ. The flight is on a Saturday on
purpose: no WorkBench event is on a weekend, so the flight event cannot change the
answer of any "first meeting on <date>" / "first free slot" calendar task.

Distractors: an older Turkish Airlines booking (TL8M2C, TK 1986 London -> Istanbul on
Sunday 17 September 2023, already flown, with its past calendar event), the hotel booking
for the December trip, a Turkish Airlines Miles&Smiles newsletter and a Pegasus Airlines
newsletter. Only SXK4QZ / TK 1980 is the flight to cancel.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ._mime import (
    USER_EMAIL,
    UTC,
    build_raw,
    epoch_ms,
    fmt_addr,
    make_pdf,
    message_id_header,
    rfc3339,
)

TK_SENDER = ("Turkish Airlines", "noreply@thy.com")


@dataclass(frozen=True)
class Booking:
    pnr: str
    flight: str  # "TK 1980"
    origin_city: str
    origin: str  # airport name
    origin_code: str
    dest_city: str
    dest: str
    dest_code: str
    dep_utc: datetime
    arr_utc: datetime
    dep_local: str  # "Sat 09 Dec 2023 09:40"
    arr_local: str
    cabin: str
    fare_class: str
    ticket: str
    total: str
    seat: str
    baggage: str
    booked_at: datetime
    message_id: str  # Gmail id of the confirmation email
    event_id: str  # Calendar id of the flight event


UPCOMING = Booking(
    pnr="SXK4QZ",
    flight="TK 1980",
    origin_city="Istanbul",
    origin="Istanbul Airport",
    origin_code="IST",
    dest_city="London",
    dest="London Heathrow",
    dest_code="LHR",
    dep_utc=datetime(2023, 12, 9, 6, 40, tzinfo=UTC),
    arr_utc=datetime(2023, 12, 9, 10, 45, tzinfo=UTC),
    dep_local="Sat 09 Dec 2023, 09:40 (Istanbul time)",
    arr_local="Sat 09 Dec 2023, 10:45 (London time)",
    cabin="Economy",
    fare_class="EcoFly (V)",
    ticket="235-2412345678",
    total="GBP 287.40",
    seat="21A",
    baggage="1 x 23 kg checked, 1 x 8 kg cabin",
    booked_at=datetime(2023, 11, 24, 18, 12, 7, tzinfo=UTC),
    message_id="18c028828d814596",
    event_id="tkflight20231209",
)

PAST = Booking(
    pnr="TL8M2C",
    flight="TK 1986",
    origin_city="London",
    origin="London Heathrow",
    origin_code="LHR",
    dest_city="Istanbul",
    dest="Istanbul Airport",
    dest_code="IST",
    dep_utc=datetime(2023, 9, 17, 15, 25, tzinfo=UTC),
    arr_utc=datetime(2023, 9, 17, 19, 20, tzinfo=UTC),
    dep_local="Sun 17 Sep 2023, 16:25 (London time)",
    arr_local="Sun 17 Sep 2023, 22:20 (Istanbul time)",
    cabin="Economy",
    fare_class="ExtraFly (M)",
    ticket="235-2398765432",
    total="GBP 214.90",
    seat="14C",
    baggage="1 x 23 kg checked, 1 x 8 kg cabin",
    booked_at=datetime(2023, 8, 21, 20, 4, 51, tzinfo=UTC),
    message_id="18a19b33ab80cd4f",
    event_id="tkflight20230917",
)

HOTEL_MESSAGE_ID = "18c02b76a805c467"
MILES_NEWSLETTER_ID = "18bb8fefac091bbc"
PEGASUS_NEWSLETTER_ID = "18bf0bb7920c3964"

MANAGE_URL = "https://www.turkishairlines.com/en-int/any-content/manage-booking/"


def _booking_text(b: Booking) -> str:
    return f"""Dear Sam,

Thank you for choosing Turkish Airlines. Your booking is confirmed and your e-ticket has been issued.

Booking reference (PNR): {b.pnr}
E-ticket number: {b.ticket}

Flight: {b.flight}
From: {b.origin_city}, {b.origin} ({b.origin_code})
To: {b.dest_city}, {b.dest} ({b.dest_code})
Departure: {b.dep_local}
Arrival: {b.arr_local}
Cabin: {b.cabin} - {b.fare_class}
Seat: {b.seat}
Baggage allowance: {b.baggage}

Passenger: SAM (Adult)
Contact e-mail: {USER_EMAIL}

Total paid: {b.total} (fare, taxes and carrier-imposed surcharges)
Payment: Visa ending 4417

To change or cancel your booking, or to select extra baggage, go to Manage Booking:
{MANAGE_URL}
and enter your booking reference {b.pnr} and your surname. Cancellation and refund
conditions depend on your fare; {b.fare_class.split(' ')[0]} tickets are refundable with a penalty.

Online check-in opens 24 hours and closes 90 minutes before departure.
Please be at the gate at least 30 minutes before departure.

We wish you a pleasant flight.
Turkish Airlines

This e-mail was sent to {USER_EMAIL} because a booking was made with this address.
Turkish Airlines Inc., Turkish Airlines General Management Building, Yesilkoy 34149 Istanbul, Turkiye.
"""


def _booking_html(b: Booking) -> str:
    row = '<tr><td style="color:#666;padding:4px 12px 4px 0">{}</td><td style="padding:4px 0"><b>{}</b></td></tr>'
    rows = "".join(
        row.format(k, v)
        for k, v in [
            ("Booking reference (PNR)", b.pnr),
            ("E-ticket number", b.ticket),
            ("Flight", b.flight),
            ("From", f"{b.origin_city}, {b.origin} ({b.origin_code})"),
            ("To", f"{b.dest_city}, {b.dest} ({b.dest_code})"),
            ("Departure", b.dep_local),
            ("Arrival", b.arr_local),
            ("Cabin", f"{b.cabin} - {b.fare_class}"),
            ("Seat", b.seat),
            ("Baggage", b.baggage),
            ("Passenger", "SAM (Adult)"),
            ("Total paid", b.total),
        ]
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Booking confirmation</title></head>
<body style="margin:0;background:#f2f2f2">
<table width="100%" cellpadding="0" cellspacing="0" style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#232b38">
<tr><td align="center">
<table width="600" cellpadding="0" cellspacing="0" style="background:#ffffff">
<tr><td style="background:#c70a0c;color:#ffffff;padding:18px 24px;font-size:20px"><b>TURKISH AIRLINES</b></td></tr>
<tr><td style="padding:24px">
<p>Dear Sam,</p>
<p>Thank you for choosing Turkish Airlines. Your booking is confirmed and your e-ticket has been issued.</p>
<table cellpadding="0" cellspacing="0">{rows}</table>
<p>To change or cancel your booking go to <a href="{MANAGE_URL}">Manage Booking</a> with booking reference <b>{b.pnr}</b>.</p>
<p>Online check-in opens 24 hours and closes 90 minutes before departure.</p>
<p>We wish you a pleasant flight.<br>Turkish Airlines</p>
</td></tr>
<tr><td style="padding:12px 24px;color:#999;font-size:11px">This e-mail was sent to {USER_EMAIL} because a booking was made with this address.</td></tr>
</table></td></tr></table></body></html>
"""


def _eticket_pdf(b: Booking) -> bytes:
    lines = [
        "TURKISH AIRLINES - ELECTRONIC TICKET PASSENGER ITINERARY RECEIPT",
        "",
        "Passenger: SAM (ADT)",
        f"Booking reference: {b.pnr}",
        f"Ticket number: {b.ticket}",
        "Issued by: TURKISH AIRLINES ONLINE",
        f"Date of issue: {b.booked_at:%d%b%y}".upper(),
        "",
        f"Flight {b.flight}  {b.origin_code} -> {b.dest_code}",
        f"Departure: {b.dep_local}",
        f"Arrival: {b.arr_local}",
        f"Class: {b.fare_class}  Seat: {b.seat}  Status: OK",
        f"Baggage: {b.baggage}",
        "",
        f"Total: {b.total}",
        "Form of payment: CC VI XXXXXXXXXXXX4417",
        "",
        "Carriage and other services provided by the carrier are subject to conditions of carriage.",
    ]
    return make_pdf(lines, title=f"E-ticket {b.ticket}")


def _booking_message(b: Booking) -> dict:
    text = _booking_text(b)
    raw = build_raw(
        frm=fmt_addr(TK_SENDER[1], TK_SENDER[0]),
        to=[fmt_addr(USER_EMAIL)],
        subject=f"Your booking is confirmed - Booking reference: {b.pnr}",
        date=b.booked_at,
        message_id=message_id_header("thy", b.pnr, domain="thy.com"),
        text=text,
        html=_booking_html(b),
        attachments=[(f"ETKT_{b.ticket.replace('-', '')}.pdf", "application/pdf", _eticket_pdf(b))],
        delivered_to=USER_EMAIL,
        reply_to="no-reply@thy.com",
        salt=b.pnr,
    )
    return {
        "id": b.message_id,
        "threadId": b.message_id,
        "labelIds": ["INBOX", "CATEGORY_UPDATES", "IMPORTANT"],
        "internalDate": epoch_ms(b.booked_at),
        "raw": raw,
    }


def flight_event(b: Booking) -> dict:
    created = b.booked_at.replace(microsecond=0)
    return {
        "kind": "calendar#event",
        "etag": f'"33{int(b.dep_utc.timestamp()):014d}"',
        "id": b.event_id,
        "status": "confirmed",
        "htmlLink": f"https://www.google.com/calendar/event?eid={b.event_id}",
        "created": rfc3339(created, millis=True),
        "updated": rfc3339(created.replace(second=(created.second + 9) % 60), millis=True),
        "summary": f"Flight {b.flight} {b.origin_city} \u2192 {b.dest_city}",
        "description": (
            f"Turkish Airlines flight {b.flight}\n"
            f"{b.origin} ({b.origin_code}) \u2192 {b.dest} ({b.dest_code})\n"
            f"Departs {b.dep_local}; arrives {b.arr_local}\n"
            f"Booking reference: {b.pnr}\n"
            f"E-ticket: {b.ticket}\n"
            f"Passenger: Sam, seat {b.seat}\n"
            f"Manage booking: {MANAGE_URL}"
        ),
        "location": f"{b.origin} ({b.origin_code})",
        "creator": {"email": USER_EMAIL, "self": True},
        "organizer": {"email": USER_EMAIL, "self": True},
        "start": {"dateTime": rfc3339(b.dep_utc), "timeZone": "UTC"},
        "end": {"dateTime": rfc3339(b.arr_utc), "timeZone": "UTC"},
        "iCalUID": f"{b.event_id}@google.com",
        "sequence": 0,
        "attendees": [{"email": USER_EMAIL, "organizer": True, "self": True, "responseStatus": "accepted"}],
        "reminders": {"useDefault": False, "overrides": [{"method": "popup", "minutes": 180}]},
        "source": {
            "title": f"Turkish Airlines booking {b.pnr}",
            "url": f"https://mail.google.com/mail/u/0/#all/{b.message_id}",
        },
        "transparency": "opaque",
        "eventType": "default",
    }


def _hotel_message() -> dict:
    when = datetime(2023, 11, 24, 19, 3, 44, tzinfo=UTC)
    text = """Your booking is confirmed, Sam!

Karakoy Harbour Hotel, Istanbul
Kemankes Karamustafa Pasa Mah., Rihtim Cd. No: 12, 34425 Beyoglu/Istanbul, Turkiye

Confirmation number: 3917.204.558
PIN code: 6062

Check-in: Wednesday 6 December 2023 (from 14:00)
Check-out: Saturday 9 December 2023 (until 11:00)
3 nights, 1 room, 1 adult
Room: Superior Double Room - Bosphorus view, breakfast included

Total price: EUR 486 (includes 10% VAT; accommodation tax of EUR 14.58 payable at the property)
Payment: You'll pay at the property. Free cancellation until 23:59 on 4 December 2023.

Airport transfer: the property offers a private transfer to Istanbul Airport (IST) for EUR 45.
Your flight leaves early on 9 December, so we recommend leaving the hotel by 06:15.

Need to make changes? Manage your booking at https://secure.booking.com/myreservations.html

Booking.com
"""
    raw = build_raw(
        frm=fmt_addr("noreply@booking.com", "Booking.com"),
        to=[fmt_addr(USER_EMAIL)],
        subject="Your booking is confirmed at Karakoy Harbour Hotel",
        date=when,
        message_id="<20231124190344.3917204558@booking.com>",
        text=text,
        html=_simple_html(text, "Booking.com", "#003580"),
        delivered_to=USER_EMAIL,
    )
    return {
        "id": HOTEL_MESSAGE_ID,
        "threadId": HOTEL_MESSAGE_ID,
        "labelIds": ["INBOX", "CATEGORY_UPDATES"],
        "internalDate": epoch_ms(when),
        "raw": raw,
    }


def _simple_html(text: str, brand: str, color: str) -> str:
    from ._mime import text_to_html

    body = text_to_html(text)
    return body.replace(
        "<body>",
        f'<body><div style="background:{color};color:#fff;padding:14px 20px;font:bold 18px Arial">{brand}</div>',
        1,
    )


def _miles_newsletter() -> dict:
    when = datetime(2023, 11, 10, 11, 30, 0, tzinfo=UTC)
    text = """Hello Sam,

Your Miles&Smiles account summary - November 2023

Membership number: TK 318 442 907
Status: Classic
Miles balance: 6,840 Miles
Status Miles this year: 3,120 (you need 25,000 for Classic Plus)

This month's offers
- Winter escapes: Business Class award tickets to Cape Town and Tokyo with 25% fewer Miles, book by 15 December.
- Earn double Miles on flights between Istanbul and 28 European cities from 1 to 31 January 2024.
- Shop & Miles: 1,000 bonus Miles with your first Miles&Smiles credit card purchase.

Did you know? You can add a past flight to your account up to 6 months after travel. Flights
you have already taken this year have been credited automatically.

Turkish Airlines Miles&Smiles
You are receiving this e-mail because you are a Miles&Smiles member. Unsubscribe: https://www.turkishairlines.com/en-int/miles-and-smiles/unsubscribe
"""
    raw = build_raw(
        frm=fmt_addr("milesandsmiles@mail.turkishairlines.com", "Turkish Airlines Miles&Smiles"),
        to=[fmt_addr(USER_EMAIL)],
        subject="Sam, your Miles&Smiles November summary and winter offers",
        date=when,
        message_id="<1699615800.318442907@mail.turkishairlines.com>",
        text=text,
        html=_simple_html(text, "Miles&amp;Smiles", "#c70a0c"),
        delivered_to=USER_EMAIL,
        extra_headers=[("List-Unsubscribe", "<https://www.turkishairlines.com/en-int/miles-and-smiles/unsubscribe>")],
    )
    return {
        "id": MILES_NEWSLETTER_ID,
        "threadId": MILES_NEWSLETTER_ID,
        "labelIds": ["INBOX", "CATEGORY_PROMOTIONS"],
        "internalDate": epoch_ms(when),
        "raw": raw,
    }


def _pegasus_newsletter() -> dict:
    when = datetime(2023, 11, 21, 7, 15, 0, tzinfo=UTC)
    text = """Winter sale: Istanbul from GBP 39

Fly to Istanbul Sabiha Gokcen from London Stansted from GBP 39 one way, including taxes.
Sale ends Sunday 26 November 2023 at 23:59. Travel between 8 January and 28 March 2024.

Popular routes
- London Stansted - Istanbul SAW from GBP 39
- Manchester - Istanbul SAW from GBP 49
- Istanbul SAW - Antalya from GBP 19

Add a BolBol membership to collect points on every flight.

Pegasus Airlines - this is a marketing e-mail. Unsubscribe any time: https://www.flypgs.com/en/unsubscribe
"""
    raw = build_raw(
        frm=fmt_addr("newsletter@flypgs.com", "Pegasus Airlines"),
        to=[fmt_addr(USER_EMAIL)],
        subject="Winter sale \u2708 Istanbul from \u00a339 - ends Sunday",
        date=when,
        message_id="<20231121071500.7731@news.flypgs.com>",
        text=text,
        html=_simple_html(text, "Pegasus", "#fdc43f"),
        delivered_to=USER_EMAIL,
        extra_headers=[("List-Unsubscribe", "<https://www.flypgs.com/en/unsubscribe>")],
    )
    return {
        "id": PEGASUS_NEWSLETTER_ID,
        "threadId": PEGASUS_NEWSLETTER_ID,
        "labelIds": ["INBOX", "CATEGORY_PROMOTIONS"],
        "internalDate": epoch_ms(when),
        "raw": raw,
    }


def travel_messages() -> list[dict]:
    return [
        _booking_message(PAST),
        _miles_newsletter(),
        _pegasus_newsletter(),
        _booking_message(UPCOMING),
        _hotel_message(),
    ]


def travel_events() -> list[dict]:
    return [flight_event(PAST), flight_event(UPCOMING)]
