"""Synthetic mailboxes for benchmarks: ``generate(n_users, n_messages, seed)``.

Yields ``(user_email, message)`` with messages in the same shape as ``load_demo()``'s
(id, threadId, labelIds, internalDate, raw RFC 2822 bytes with CRLF line endings).

Speed: raw messages are built by string templating (no ``email`` package), from pools of
pre-rendered subjects and sentences computed once per call; the per-message work is a
handful of RNG draws and one join. Roughly 40k messages/s on one core (see README).

Realism: 14 business and personal topics (invoices, project updates, meetings, hiring,
clients, travel, launches, budgets, social plans, newsletters, orders, IT/security,
contracts, incidents), ~2,000 correspondents across 60 companies, dates over two years
(2022-01-01 .. 2023-12-31, office hours weighted), bodies of 30-400 words, ~30% of
messages are replies in existing threads ("Re: ..." with In-Reply-To/References), ~25%
are sent by the user. All users draw from the same topic and vocabulary pools (so the
same words occur in many mailboxes - tests use that to prove per-user isolation), but
every user has their own RNG stream, contacts, dates and mix.

Users are ``user0001@scale.example`` ... Everything is deterministic for a given seed.
"""
from __future__ import annotations

import random
import time
from typing import Iterator

USER_DOMAIN = "scale.example"
START_TS = 1640995200  # 2022-01-01T00:00:00Z
DAYS_SPAN = 730  # two years
MIN_WORDS, MAX_WORDS = 30, 400

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

FIRST_NAMES = (
    "Adam Alice Amelia Andre Anna Arjun Ben Bianca Carla Chloe Daniel Diego Elena Emil Emma Erik Ethan Eva Felix "
    "Fiona Gabriel Grace Hana Hannah Hugo Ines Isaac Ivan Jack James Jana Jonas Julia Kai Karim Kate Lara Leo "
    "Liam Lina Lucas Lucy Maja Marco Maria Mateo Max Maya Mia Mohammed Nadia Noah Nora Omar Oscar Paula Pedro "
    "Rosa Ruby Ryan Sara Simon Sofia Stella Theo Tom Valentina Victor Zara Zoe Ahmed Bruno Camille Dario Elif "
    "Farah Goran Helga Igor Jasmin Kenji Leila Mateus Nikos Olivia Priya Quentin Rahel Soren Tariq Ulla Vera "
    "Wanda Xavier Yara Yusuf"
).split()
LAST_NAMES = (
    "Abbott Adler Baker Becker Bianchi Brown Carter Castro Clarke Costa Dubois Duarte Eriksen Evans Fischer Fontaine "
    "Garcia Gomez Green Hall Hansen Hughes Ibrahim Jensen Jones Kaplan Keller King Kowalski Lambert Larsen Lopez "
    "Meyer Moreno Murphy Nakamura Nguyen Novak Olsen Ortega Parker Perez Quinn Rossi Russo Schneider Silva Smith "
    "Suzuki Taylor Thomas Torres Turner Vargas Walker Weber White Wilson Young Zimmermann Okafor Haddad Lindqvist "
    "Moretti Petrov Yamamoto Sandoval Osei Kaya Demir Banerjee Iyer Horvat Varga"
).split()
COMPANIES = (
    ("Acme Logistics", "acmelogistics.com"), ("Bluewave Analytics", "bluewave.io"), ("Brightline Foods", "brightlinefoods.com"),
    ("Cedar Health", "cedarhealth.org"), ("Cobalt Systems", "cobaltsys.com"), ("Copperleaf Finance", "copperleaf.co"),
    ("Crestview Realty", "crestviewrealty.com"), ("Delta Freight", "deltafreight.net"), ("Evergreen Energy", "evergreen-energy.com"),
    ("Falcon Media", "falconmedia.tv"), ("Fjord Software", "fjordsoft.no"), ("Granite Legal", "granitelegal.com"),
    ("Harbor Retail", "harborretail.com"), ("Helix Biotech", "helixbio.com"), ("Horizon Travel", "horizontravel.com"),
    ("Indigo Apparel", "indigoapparel.com"), ("Ironbridge Capital", "ironbridge.capital"), ("Juniper Labs", "juniperlabs.ai"),
    ("Keystone Construction", "keystonebuild.com"), ("Lighthouse Insurance", "lighthouse-ins.com"), ("Lumen Optics", "lumenoptics.de"),
    ("Maple Education", "mapleedu.org"), ("Meridian Consulting", "meridian-consulting.com"), ("Nimbus Cloud", "nimbuscloud.io"),
    ("Northstar Telecom", "northstartel.com"), ("Oakridge Pharma", "oakridgepharma.com"), ("Orbit Robotics", "orbitrobotics.com"),
    ("Pinnacle Sports", "pinnaclesports.com"), ("Quartz Payments", "quartzpay.com"), ("Redwood Publishing", "redwoodpub.com"),
    ("Riverstone Hotels", "riverstonehotels.com"), ("Sapphire Jewelry", "sapphirejewels.com"), ("Sequoia Partners", "sequoiapartners.vc"),
    ("Silverline Motors", "silverlinemotors.com"), ("Solstice Solar", "solsticesolar.com"), ("Summit Outdoor", "summitoutdoor.com"),
    ("Tidal Marine", "tidalmarine.com"), ("Titan Manufacturing", "titanmfg.com"), ("Umbra Security", "umbrasec.com"),
    ("Vantage Research", "vantageresearch.com"), ("Verde Farms", "verdefarms.com"), ("Vertex Games", "vertexgames.com"),
    ("Willow Interiors", "willowinteriors.com"), ("Zenith Airlines", "zenithair.com"), ("Atlas Freight", "atlasfreight.com"),
    ("Beacon Schools", "beaconschools.org"), ("Clearwater Utilities", "clearwater-util.com"), ("Driftwood Studios", "driftwood.studio"),
    ("Emberline Coffee", "emberline.coffee"), ("Foxglove Florists", "foxglove.flowers"), ("Gale Wind Power", "galewind.com"),
    ("Hearth Home Goods", "hearthhome.com"), ("Kestrel Aviation", "kestrelaviation.com"), ("Lattice Data", "latticedata.io"),
    ("Mosaic Marketing", "mosaicmktg.com"), ("Nova Medical", "novamedical.com"), ("Pioneer Bank", "pioneerbank.com"),
    ("Quill Stationery", "quillstationery.com"), ("Sterling Audit", "sterlingaudit.com"), ("Terra Geospatial", "terrageo.com"),
)
PROJECTS = (
    "Apollo", "Borealis", "Cascade", "Dynamo", "Everest", "Falcon", "Granite", "Helios", "Ion", "Juniper", "Kepler",
    "Lighthouse", "Mercury", "Nimbus", "Orion", "Phoenix", "Quasar", "Redwood", "Sierra", "Titan", "Unity", "Vega",
    "Waypoint", "Zephyr", "data warehouse migration", "mobile app redesign", "pricing page refresh", "CRM rollout",
    "checkout revamp", "onboarding flow", "warehouse automation", "loyalty programme", "security audit",
    "customer portal", "API v2", "support chatbot", "ERP upgrade", "office move",
)
PRODUCTS = (
    "Pro plan", "mobile app", "analytics dashboard", "starter kit", "enterprise tier", "smart thermostat",
    "wireless headphones", "standing desk", "espresso machine", "running shoes", "travel backpack", "4K monitor",
    "project management suite", "payroll module", "inventory scanner", "electric bike",
)
CITIES = (
    "Amsterdam", "Barcelona", "Berlin", "Boston", "Chicago", "Copenhagen", "Dubai", "Dublin", "Edinburgh", "Istanbul",
    "Lisbon", "London", "Madrid", "Milan", "Munich", "New York", "Oslo", "Paris", "Prague", "Rome", "San Francisco",
    "Seattle", "Singapore", "Stockholm", "Sydney", "Tokyo", "Toronto", "Vienna", "Warsaw", "Zurich",
)
ROLES = (
    "senior backend engineer", "product designer", "data analyst", "account executive", "marketing manager",
    "customer success lead", "finance controller", "site reliability engineer", "HR business partner", "QA engineer",
)
SERVICES = ("checkout API", "search service", "payments gateway", "auth service", "notification queue", "reporting DB", "CDN", "mobile backend")
NEWSLETTERS = ("The Morning Ledger", "Product Weekly", "Data Digest", "Founders Notes", "Retail Pulse", "Security Brief", "Travel Deals Weekly", "Design Dispatch")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")

# topic -> (Gmail category, subject templates, sentence templates)
TOPICS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "invoice": ("CATEGORY_UPDATES", (
        "Invoice {inv} from {company}", "Payment reminder: invoice {inv} due {date}", "Receipt for your payment of ${amount}",
        "Question about invoice {inv}", "Updated billing details for {company}", "Overdue: invoice {inv}",
    ), (
        "Please find attached invoice {inv} for ${amount}, due on {date}.",
        "The invoice covers the {project} work delivered in {month}.",
        "Payment terms are net 30 and bank details are unchanged from last quarter.",
        "We noticed invoice {inv} is still open; could you check with your accounts payable team?",
        "The amount includes {pct}% VAT and the discount we agreed for annual billing.",
        "If the purchase order number is missing, send it over and we will reissue the invoice.",
        "Our finance team confirmed the transfer of ${amount} on {date}.",
        "There is a small discrepancy of ${small} between the invoice and the purchase order.",
        "From next month invoices will come from billing@{domain} instead of the old address.",
        "Could you split the invoice by cost centre so we can allocate it to {project}?",
        "Remittance advice for ${amount} is attached for your records.",
        "We moved to a new payment platform, so the reference on the transfer will look different.",
        "Late payments above sixty days incur a {small}% fee under the agreement.",
        "The credit note for the returned items has been applied to invoice {inv}.",
        "Our auditors need a statement of all invoices paid between January and {month}.",
    )),
    "project": ("CATEGORY_PERSONAL", (
        "{project} status update - week {week}", "{project}: next steps", "Blockers on {project}", "{project} milestone reached",
        "Weekly update: {project}", "{project} timeline change",
    ), (
        "Quick update on {project}: we are about {pct}% done and still on track for {date}.",
        "The main blocker is the dependency on the {service}, which slipped by a week.",
        "{first} finished the design review and the feedback has been incorporated.",
        "We agreed to cut scope for the first release and move reporting to phase two.",
        "The test environment is ready and QA starts on {weekday}.",
        "Budget spent so far is ${amount}, roughly {pct}% of the total.",
        "I have updated the project plan and shared it with the steering group.",
        "Risks: the vendor contract is not signed yet and two engineers are on leave in {month}.",
        "Next milestone is the pilot with {company} in {month}.",
        "Let me know if you want to go through the details in our next one-to-one.",
        "The demo on {weekday} went well and the stakeholders approved the next phase.",
        "{first} {last} is taking over the integration work while {first2} is on parental leave.",
        "We moved the go-live from {date} to the following week to leave room for regression testing.",
        "The retrospective surfaced two process issues: unclear ownership of the backlog and late design reviews.",
        "Performance tests show response times of around {small}0 ms, well inside the target.",
        "I will present the status at the all-hands on {weekday}, so send me any highlights by then.",
    )),
    "meeting": ("CATEGORY_PERSONAL", (
        "Meeting on {weekday} about {project}?", "Reschedule: {project} sync", "Agenda for {weekday}'s meeting",
        "Can we meet next week?", "Notes from today's call with {company}", "Invitation: {project} review on {date}",
    ), (
        "Are you free on {weekday} at {hour}:00 to go through {project}?",
        "I need to move our meeting to {weekday} afternoon because of a client call.",
        "Agenda: progress since last time, open risks, and decisions we need from {first}.",
        "I booked the large meeting room on the third floor and sent a video link for remote people.",
        "Notes from the call: {company} wants a proposal by {date} and a pilot in {month}.",
        "Could you send the slides a day before so everyone can read them in advance?",
        "Thirty minutes should be enough, but I blocked an hour just in case.",
        "We ran out of time on the budget item, so let us continue on {weekday}.",
        "Action items are in the shared document; please add anything I missed.",
        "{first} {last} from {company} will join for the first half hour.",
        "Can we make it a walking meeting? It is supposed to be sunny on {weekday}.",
        "If the time does not work for {first}, I am flexible any morning next week.",
        "Let us keep this to thirty minutes and use the rest of the slot for the hiring discussion.",
    )),
    "hiring": ("CATEGORY_PERSONAL", (
        "Interview feedback: {role} candidate", "Offer approval for {role}", "Referral for the {role} position",
        "Scheduling final interviews", "Job description review: {role}",
    ), (
        "The candidate for the {role} role did well in the technical interview.",
        "I would rate them a strong hire; communication was clear and the case study was excellent.",
        "Salary expectations are around ${salary}k, which fits the approved band.",
        "Can you join the final round on {weekday} at {hour}:00?",
        "{first} {last} referred a former colleague who might be a great fit.",
        "We have {count} applicants so far and I shortlisted six for phone screens.",
        "The offer letter needs approval from finance before we send it on {date}.",
        "Please submit your scorecard by end of day so we can make a decision quickly.",
        "The take-home exercise took them about three hours and the code quality was high.",
        "They asked about remote work; we can offer two office days a week.",
        "Notice period is {small} days, so the earliest start date would be in {month}.",
        "One concern is limited experience with large teams, but references were very positive.",
    )),
    "client": ("CATEGORY_PERSONAL", (
        "{company} - question about the contract renewal", "Follow-up from our meeting with {company}", "{company} proposal",
        "Feedback from {company}", "{company} escalation", "Pricing for {company}",
    ), (
        "{company} asked whether we can extend the current contract by twelve months at the same price.",
        "Their main concern is onboarding time; they want to be live before {month}.",
        "I sent the proposal for ${amount} with a {pct}% multi-year discount.",
        "The account has grown {pct}% this year and they are considering the enterprise tier.",
        "{first} from {company} raised an escalation about slow support responses last week.",
        "They would like a reference call with a customer of similar size.",
        "Legal on their side is reviewing the data processing agreement.",
        "If we can close before {date}, it counts for this quarter.",
        "They were impressed by the demo, especially the reporting features.",
        "{company} is also talking to two competitors, so speed matters here.",
        "Their procurement team needs a security questionnaire completed before signing.",
        "Usage dropped {pct}% last quarter, so we should schedule a health check.",
        "I suggested a quarterly business review with their leadership in {month}.",
    )),
    "travel": ("CATEGORY_UPDATES", (
        "Trip to {city} on {date}", "Your flight to {city} is confirmed", "Hotel booking in {city}", "Travel plans for the {city} conference",
        "Itinerary: {city}, {month}",
    ), (
        "Your flight to {city} departs on {date} at {hour}:{minute}, booking reference {pnr}.",
        "The hotel is a ten minute walk from the venue and breakfast is included.",
        "I booked the train back on {weekday} evening so we can attend the whole workshop.",
        "Please submit the travel request before booking so finance can approve it.",
        "The conference in {city} runs for three days and our talk is on the second day.",
        "Check-in opens 24 hours before departure; seats are assigned at the gate.",
        "Total cost including hotel is about ${amount}, within the travel policy.",
        "Let me know if you need a visa letter for {city}.",
        "Your booking reference is {pnr}; keep it handy for check-in and any changes.",
        "The airport transfer takes about forty minutes outside rush hour.",
        "Remember to claim the taxi and meals through the expense tool within thirty days.",
        "The return flight leaves {city} on {weekday} at {hour}:{minute}.",
    )),
    "launch": ("CATEGORY_PERSONAL", (
        "Launch plan for the {product}", "{product} launch: final checklist", "Press release draft - {product}",
        "Campaign results for the {product}", "Go/no-go for the {product}",
    ), (
        "The {product} launch is scheduled for {date} with a soft launch to existing customers first.",
        "Marketing prepared the landing page, a blog post and a short demo video.",
        "Early access signups reached {count}, above our target.",
        "The campaign had a click-through rate of {pct}% and cost per lead of ${small}.",
        "Support needs the FAQ and pricing details at least a week before launch.",
        "We still need sign-off from legal on the terms for the {product}.",
        "Sales asked for a one-page battlecard comparing us with competitors.",
        "The beta group of {people}0 customers reported {small} bugs, none of them blocking.",
        "We will announce the {product} at the {city} conference and follow up with a webinar.",
        "Pricing starts at ${small} per user per month with a fourteen-day trial.",
        "The launch email goes to {count}0 subscribers on {weekday} morning.",
    )),
    "budget": ("CATEGORY_PERSONAL", (
        "Q{q} budget review", "Budget request for {project}", "Forecast update - {month}", "Headcount plan and budget",
        "Cost savings ideas",
    ), (
        "We are forecasting ${amount} for Q{q}, about {pct}% over the original plan.",
        "The overspend comes mostly from cloud costs and contractors on {project}.",
        "Finance asked every team to find {pct}% in savings for next year.",
        "I propose we pause the second vendor and renegotiate the licence in {month}.",
        "Headcount stays flat, but we can backfill the open {role} position.",
        "Please send your department's numbers by {date} so we can consolidate.",
        "The board will review the budget at the meeting in {month}.",
        "Travel spend is {pct}% under budget because most conferences went virtual.",
        "We can fund the {project} extension if we delay the office refurbishment.",
        "The currency impact on the {city} office costs is roughly ${amount} this year.",
        "Capital expenditure for new laptops is already approved.",
    )),
    "social": ("CATEGORY_PERSONAL", (
        "Dinner on {weekday}?", "Weekend plans", "Birthday party for {first}", "Photos from the trip", "Running club this Sunday",
        "Long time no see!",
    ), (
        "Are you free for dinner on {weekday}? There is a new place near the station.",
        "We are planning a small birthday party for {first} on Saturday, nothing fancy.",
        "I finally uploaded the photos from {city}; the sunset ones came out great.",
        "The running club meets at {hour}:00 by the park entrance, ten kilometres at an easy pace.",
        "It has been ages, we should catch up properly soon.",
        "Bring a dessert if you can, we have plenty of drinks.",
        "My sister is visiting from {city} that weekend, so I might be late.",
        "Let me know by {weekday} so I can book a table for {people}.",
        "The kids have a football tournament on Sunday morning, so afternoon works better.",
        "I am thinking of a hike if the weather holds; it is about twelve kilometres with a pub at the end.",
        "Did you ever finish the book I lent you? I would love to hear what you thought of the ending.",
        "We just got back from {city}, the food was incredible and the weather was perfect.",
    )),
    "newsletter": ("CATEGORY_PROMOTIONS", (
        "{newsletter}: {month} edition", "{newsletter} - five things to read this week", "{newsletter}: the state of {project}",
        "This week in {newsletter}",
    ), (
        "In this edition: how companies cut cloud spend by {pct}% without slowing down.",
        "A new survey of {count} product managers shows that roadmaps are getting shorter.",
        "Our interview this week is with the founder of {company}.",
        "Read time: {small} minutes. Forward this to a colleague who might enjoy it.",
        "Events: meetups in {city} and {city2} next month, tickets are free.",
        "Deal of the week: save {pct}% on the annual plan until {date}.",
        "You are receiving this because you subscribed on our website.",
        "Our most-read story this month covers the rise of four-day work weeks.",
        "Three tools we tried this week for meeting notes, and which one we kept.",
        "The podcast episode with {first} {last} is out now.",
    )),
    "order": ("CATEGORY_UPDATES", (
        "Your order #{order} has shipped", "Order confirmation #{order}", "Your {product} is out for delivery", "Return request for order #{order}",
        "Rate your recent purchase",
    ), (
        "Thanks for your order of the {product} for ${small}.",
        "Your parcel is on its way and should arrive on {weekday}.",
        "Tracking number {tracking}; the courier will leave it with a neighbour if you are out.",
        "Your refund of ${small} will be processed within five business days.",
        "Tell us about your purchase and get {pct}% off your next order.",
        "Delivery address: the office reception, as requested.",
        "Items in your order may arrive in separate parcels.",
        "Keep the packaging if you think you might return the {product}.",
        "Your warranty for the {product} is valid for two years from the delivery date.",
    )),
    "security": ("CATEGORY_UPDATES", (
        "New sign-in from {device}", "Your password expires in {small} days", "Security alert for your account",
        "Action required: enable two-factor authentication", "Phishing warning",
    ), (
        "We noticed a new sign-in to your account from {device} in {city}.",
        "If this was you, no action is needed; otherwise reset your password right away.",
        "Your password expires soon; choose one you have not used before.",
        "Two-factor authentication will be mandatory for all accounts from {date}.",
        "IT will never ask you for your password by email.",
        "A phishing campaign is impersonating {company}; do not open unexpected attachments.",
        "The laptop update will restart your machine between {hour}:00 and {hour2}:00.",
        "Your recovery email and phone number were last confirmed in {month}.",
        "Report suspicious messages with the phishing button in your mail client.",
    )),
    "contract": ("CATEGORY_PERSONAL", (
        "NDA with {company} - redlines", "Contract renewal: {company}", "Master services agreement draft",
        "Signature needed: {company} order form", "Legal review of the {project} agreement",
    ), (
        "Legal returned the NDA with {company} with two changes to the term and governing law.",
        "The renewal increases the price by {pct}%, which is above our expectation.",
        "Please sign the order form by {date} so the licences stay active.",
        "Liability is capped at twelve months of fees, which is standard for us.",
        "The termination clause now allows either party to exit with ninety days' notice.",
        "I attached the redlined version and a clean copy for comparison.",
        "Data processing terms follow the standard contractual clauses.",
        "The auto-renewal clause was removed at our request.",
        "We need a signed copy from {company} before work can start.",
    )),
    "incident": ("CATEGORY_PERSONAL", (
        "Incident {inc}: {service} latency spike", "Postmortem: {service} outage", "[Resolved] {service} errors",
        "On-call handover", "Elevated error rates on the {service}",
    ), (
        "Between {hour}:00 and {hour2}:00 UTC the {service} returned errors for about {pct}% of requests.",
        "Root cause was a configuration change that reduced the connection pool size.",
        "We rolled back the deploy and error rates returned to normal within {small} minutes.",
        "No customer data was lost, but {count} orders had to be retried.",
        "Action items: add an alert on pool saturation and a canary step before full rollout.",
        "{first} is on call this week; escalate to me if anything looks off.",
        "The alert fired at {hour}:{minute} and the on-call engineer acknowledged within four minutes.",
        "Customers in {city} were the most affected because of the regional failover.",
        "We will publish the full postmortem by {weekday}.",
    )),
}

GREETINGS = ("Hi {first},", "Hello {first},", "Hey {first},", "Dear {first},", "Good morning {first},", "{first},")
OPENERS = (
    "I hope you are well.", "Thanks for getting back to me so quickly.", "Following up on our conversation.",
    "Just a quick note.", "Hope your week is going well.", "Thanks for your patience on this.",
)
GENERIC = (
    "Let me know what you think.", "Happy to discuss on a call if that is easier.",
    "I will keep you posted as things progress.", "Thanks again for your help with this.",
    "Please treat this as confidential for now.", "I have copied the relevant people for visibility.",
    "No rush, but it would be great to have an answer by {weekday}.", "Shout if anything is unclear.",
    "The shared folder has all the background documents.", "Apologies for the long email.",
)
# Shared, topic-agnostic sentences by kind of mail (mixed in for length and variety).
WORK = (
    "The numbers for {month} are in the attached spreadsheet.",
    "I spoke with {first} {last} this morning and they are on board.",
    "We should loop in legal before committing to anything in writing.",
    "The steering group meets on {weekday} and will want a one-page summary.",
    "Our team is stretched until the end of {month}, so the timing is tight.",
    "{company} mentioned the same problem last quarter.",
    "I would rather under-promise here and deliver early.",
    "The dashboard shows a {pct}% improvement since we made the change.",
    "Can you check whether this affects the {project} timeline?",
    "I have added comments directly in the document.",
    "We agreed to revisit this decision after the pilot.",
    "{first} has the most context, so it is worth asking them first.",
    "Let us not block on this; we can refine the details later.",
    "The vendor promised an answer by {weekday}, but I am not holding my breath.",
    "There is a dependency on the {service} that we should flag early.",
    "Everything is documented in the wiki page for {project}.",
    "The previous estimate was ${amount}; the new one is slightly higher.",
    "I would suggest a short call with {company} to clear this up.",
    "This came up again in the customer survey, with {count} mentions.",
    "My recommendation is to go with the second option.",
    "We are still waiting for sign-off from the finance team.",
    "The office in {city} raised the same question yesterday.",
    "If we move fast, we can still make the {month} release.",
    "Two people are out next week, so expect slower responses.",
    "I have set a reminder to follow up on {weekday}.",
    "The risk is low, but the impact would be high if it happens.",
    "It might be worth a quick sanity check with {first} before we send it.",
    "Please keep the thread going here rather than in chat so we have a record.",
    "The contract value is ${amount} over two years.",
    "Our target for the quarter is {count} new customers.",
    "Attendance at the workshop was good, about {people}0 people.",
    "We have a holiday freeze from mid-December, so anything risky must land before then.",
    "I reviewed the draft and only have minor comments on wording.",
    "The pilot in {city} exceeded expectations.",
    "Feedback from the team has been mostly positive.",
    "I will draft a proposal and circulate it by {weekday}.",
    "Please double-check the figures on page two before this goes out.",
    "We might need an extra week for testing.",
    "The cost per unit dropped to ${small} after renegotiation.",
    "Let us align on priorities before planning the next sprint.",
)
PERSONAL = (
    "How are the kids doing?", "Say hi to everyone from me.", "I still owe you a coffee from last time.",
    "The weather here has been awful all week.", "We should plan a proper trip together next year.",
    "I have been trying to run three times a week, with mixed success.", "Work has been busy, but in a good way.",
    "Mum says hello and asks when you are visiting.", "I found a great little bakery near the office.",
    "Are you watching the match on {weekday}?", "Fingers crossed for the weather.",
    "I will bring the board games this time.", "Let me know if you need a lift from the station.",
)
AUTOMATED = (
    "This is an automated message; please do not reply.", "Manage your preferences in your account settings.",
    "Questions? Our help centre is open around the clock.", "Prices include VAT where applicable.",
    "View this email in your browser if it does not display correctly.", "Terms and conditions apply.",
    "You can unsubscribe at any time using the link below.", "Customer reference: {inv}.",
    "Thank you for being a customer since {month}.", "Need help? Reply to this email and our team will get back to you.",
)
TOPIC_KIND = {
    "invoice": "automated", "project": "work", "meeting": "work", "hiring": "work", "client": "work",
    "travel": "automated", "launch": "work", "budget": "work", "social": "personal", "newsletter": "automated",
    "order": "automated", "security": "automated", "contract": "work", "incident": "work",
}
SIGNOFFS = ("Best,", "Thanks,", "Cheers,", "Kind regards,", "Best regards,", "Many thanks,", "Talk soon,")
DEVICES = ("Chrome on Windows", "Safari on iPhone", "Firefox on Linux", "Edge on Windows", "Chrome on macOS", "the mobile app on Android")


def _fill(rng: random.Random) -> dict:
    co, dom = rng.choice(COMPANIES)
    return {
        "company": co,
        "domain": dom,
        "project": rng.choice(PROJECTS),
        "product": rng.choice(PRODUCTS),
        "city": rng.choice(CITIES),
        "city2": rng.choice(CITIES),
        "role": rng.choice(ROLES),
        "service": rng.choice(SERVICES),
        "newsletter": rng.choice(NEWSLETTERS),
        "first": rng.choice(FIRST_NAMES),
        "first2": rng.choice(FIRST_NAMES),
        "people": rng.randint(2, 12),
        "last": rng.choice(LAST_NAMES),
        "weekday": rng.choice(WEEKDAYS),
        "month": rng.choice(MONTH_NAMES),
        "date": f"{rng.randint(1, 28)} {rng.choice(MONTH_NAMES)}",
        "amount": f"{rng.randint(1, 250) * 100:,}",
        "small": rng.randint(2, 95),
        "salary": rng.randint(55, 160),
        "pct": rng.randint(2, 45),
        "count": rng.randint(3, 900),
        "hour": rng.randint(8, 17),
        "hour2": rng.randint(9, 19),
        "minute": rng.choice(("00", "15", "30", "45")),
        "week": rng.randint(1, 52),
        "q": rng.randint(1, 4),
        "inv": f"INV-{rng.randint(10000, 99999)}",
        "order": f"{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}",
        "tracking": f"1Z{rng.randint(10**9, 10**10 - 1)}",
        "pnr": "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6)),
        "inc": f"INC-{rng.randint(1000, 9999)}",
        "device": rng.choice(DEVICES),
    }


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


class _Pools:
    """Pre-rendered text shared by all users of one generate() call."""

    def __init__(self, seed: int, per_topic_sentences: int = 600, per_topic_subjects: int = 250):
        rng = random.Random(f"scale-pools-{seed}")
        self.topic_names = list(TOPICS)
        self.topic_category = [TOPICS[t][0] for t in self.topic_names]
        self.subjects: list[list[str]] = []
        # rendered sentences: (text, word count, template id) - template ids let a message avoid repeats
        self.sentences: list[list[tuple[str, int, int]]] = []
        tid = 0

        def render(templates: tuple[str, ...], n: int) -> list[tuple[str, int, int]]:
            nonlocal tid
            out = []
            for _ in range(n):
                k = rng.randrange(len(templates))
                text = _cap(templates[k].format(**_fill(rng)))
                out.append((text, len(text.split()), tid + k))
            tid += len(templates)
            return out

        for t in self.topic_names:
            _, subj_t, sent_t = TOPICS[t]
            self.subjects.append([_cap(rng.choice(subj_t).format(**_fill(rng))) for _ in range(per_topic_subjects)])
            self.sentences.append(render(sent_t, per_topic_sentences))
        kind_pools = {"work": render(WORK, 1500), "personal": render(PERSONAL, 300), "automated": render(AUTOMATED, 300)}
        self.kind_sentences = [kind_pools[TOPIC_KIND[t]] for t in self.topic_names]
        self.generic = render(GENERIC, 300)
        self.openers = [(o, len(o.split())) for o in OPENERS]
        # correspondents: (display name, address, topic affinity)
        self.contacts: list[tuple[str, str]] = []
        seen = set()
        while len(self.contacts) < 2000:
            f, l = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            co, dom = rng.choice(COMPANIES)
            addr = f"{f.lower()}.{l.lower()}@{dom}"
            if addr in seen:
                continue
            seen.add(addr)
            self.contacts.append((f"{f} {l}", addr))
        self.senders = {}  # newsletters/automated senders per topic
        for t in ("newsletter", "order", "security", "invoice", "travel"):
            self.senders[t] = [
                (f"{co} {label}", f"{local}@{dom}")
                for (co, dom) in COMPANIES
                for label, local in ((
                    {"newsletter": ("Newsletter", "newsletter"), "order": ("Orders", "orders"),
                     "security": ("Security", "no-reply"), "invoice": ("Billing", "billing"),
                     "travel": ("Bookings", "bookings")}[t]),)
            ]


def _date_header(ts: int) -> str:
    t = time.gmtime(ts)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


_HOURS = [7] * 2 + [8] * 6 + [9] * 10 + [10] * 10 + [11] * 10 + [12] * 7 + [13] * 8 + [14] * 10 + [15] * 9 \
    + [16] * 8 + [17] * 6 + [18] * 4 + [19] * 3 + [20] * 3 + [21] * 2 + [22] * 1 + [23] * 1 + [6] * 1


def user_email(i: int) -> str:
    return f"user{i + 1:04d}@{USER_DOMAIN}"


def _user_messages(pools: _Pools, uidx: int, n: int, seed: int) -> Iterator[dict]:
    rng = random.Random(seed * 1_000_003 + uidx)
    r = rng.random
    uaddr = user_email(uidx)
    ufirst = FIRST_NAMES[(uidx * 7 + seed) % len(FIRST_NAMES)]
    ulast = LAST_NAMES[(uidx * 13 + seed) % len(LAST_NAMES)]
    uname = f"{ufirst} {ulast}"
    ufrom = f"{uname} <{uaddr}>"
    n_topics = len(pools.topic_names)
    # each user has a personal topic mix and ~150 regular contacts
    weights = [0.2 + r() * (3.0 if i < 9 else 1.2) for i in range(n_topics)]
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    total_w = acc
    contacts = rng.sample(pools.contacts, 150)
    n_contacts = len(contacts)
    subjects, sentences, generic, openers = pools.subjects, pools.sentences, pools.generic, pools.openers
    kind_sentences = pools.kind_sentences
    categories, senders = pools.topic_category, pools.senders

    # office-hours weighted timestamps over two years, in order
    stamps = sorted(
        START_TS + int(r() * DAYS_SPAN) * 86400 + rng.choice(_HOURS) * 3600 + int(r() * 3600) for _ in range(n)
    )
    recent: list[tuple] = []  # (base subject, contact idx, thread id, message-id, topic, sent)
    for i, ts in enumerate(stamps):
        ms = ts * 1000 + int(r() * 1000)
        mid = f"{ms:011x}{i:05x}"
        msgid = f"<{ms:x}.{uidx:x}.{i:x}@mail.{USER_DOMAIN}>"
        parent = None
        if recent and r() < 0.3:
            parent = recent[int(r() * len(recent))]
        if parent is not None:
            base, cidx, thread_id, parent_msgid, tidx, parent_sent = parent
            sent = not parent_sent if r() < 0.85 else parent_sent
            subject = "Re: " + base
            contact = contacts[cidx]
            refs = parent_msgid
        else:
            x = r() * total_w
            tidx = 0
            while cum[tidx] < x:
                tidx += 1
            tname = pools.topic_names[tidx]
            subj_pool = subjects[tidx]
            base = subj_pool[int(r() * len(subj_pool))]
            if tname in senders:  # automated mail: from a company sender, never sent by the user
                pool = senders[tname]
                contact = pool[int(r() * len(pool))]
                cidx = -1
                sent = False
            else:
                cidx = int(r() * n_contacts)
                contact = contacts[cidx]
                sent = r() < 0.3
            subject = base
            thread_id = mid
            refs = None
        cname, caddr = contact
        cfirst = cname.split(" ", 1)[0]

        # body: greeting, 30-400 words of topic + generic sentences in 2-4 sentence paragraphs
        target = MIN_WORDS + int((r() * r()) * (MAX_WORDS - MIN_WORDS - 40)) + int(r() * 20)
        greet = GREETINGS[int(r() * 6)].format(first=cfirst if sent else ufirst)
        words = len(greet.split()) + 3  # + sign-off (1-2 words) and signature
        paras: list[str] = []
        para: list[str] = []
        if r() < 0.5:
            s, w = openers[int(r() * len(openers))]
            para.append(s)
            words += w
        tpool = sentences[tidx]
        kpool = kind_sentences[tidx]
        ntp, nkp, ngp = len(tpool), len(kpool), len(generic)
        used: set[int] = set()
        misses = 0
        while words < target and misses < 12:
            x = r()
            if x < 0.6:
                s, w, t = tpool[int(r() * ntp)]
            elif x < 0.92:
                s, w, t = kpool[int(r() * nkp)]
            else:
                s, w, t = generic[int(r() * ngp)]
            if t in used:
                misses += 1
                continue
            if words + w > MAX_WORDS - 4:
                break
            used.add(t)
            para.append(s)
            words += w
            if len(para) >= 2 + int(r() * 3):
                paras.append(" ".join(para))
                para = []
        if para:
            paras.append(" ".join(para))
        signer = ufirst if sent else cfirst
        signoff = SIGNOFFS[int(r() * 7)]
        body = greet + "\r\n\r\n" + "\r\n\r\n".join(paras) + "\r\n\r\n" + signoff + "\r\n" + signer + "\r\n"

        frm, to = (ufrom, f"{cname} <{caddr}>") if sent else (f"{cname} <{caddr}>", ufrom)
        head = (
            f"MIME-Version: 1.0\r\nDate: {_date_header(ts)}\r\nMessage-ID: {msgid}\r\n"
            + (f"In-Reply-To: {refs}\r\nReferences: {refs}\r\n" if refs else "")
            + f"Subject: {subject}\r\nFrom: {frm}\r\nTo: {to}\r\n"
            "Content-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        )
        if sent:
            labels = ["SENT"]
        else:
            labels = [categories[tidx]]
            if r() < 0.85:
                labels.append("INBOX")
            if ts > START_TS + (DAYS_SPAN - 14) * 86400 or r() < 0.05:
                labels.append("UNREAD")
            if r() < 0.08:
                labels.append("IMPORTANT")
        yield {
            "id": mid,
            "threadId": thread_id,
            "labelIds": labels,
            "internalDate": str(ms),
            "raw": (head + body).encode("utf-8"),
        }
        if cidx >= 0:
            recent.append((base, cidx, thread_id, msgid, tidx, sent))
            if len(recent) > 40:
                del recent[0]


def generate(n_users: int, n_messages: int, seed: int = 0) -> Iterator[tuple[str, dict]]:
    """Yield (user_email, message) for n_users x n_messages synthetic messages."""
    pools = _Pools(seed)
    for u in range(n_users):
        addr = user_email(u)
        for msg in _user_messages(pools, u, n_messages, seed):
            yield addr, msg


if __name__ == "__main__":  # python -m emulator.demo.scale [users] [messages]
    import sys

    users = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    msgs = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    t0 = time.perf_counter()
    count = sum(1 for _ in generate(users, msgs))
    dt = time.perf_counter() - t0
    print(f"{count} messages in {dt:.2f}s = {count / dt:,.0f} messages/s")
