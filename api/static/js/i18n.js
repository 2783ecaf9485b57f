// Every string the dashboard shows, one dictionary per language, and the helpers that apply them.
// Keys are shared: a test checks that both dictionaries have exactly the same keys.

/** Map labels for places: one spelling in both languages, French overriding where it differs. */
const CITIES = {
  "city.toronto": "Toronto",
  "city.ottawa": "Ottawa",
  "city.sudbury": "Sudbury",
  "city.thunderBay": "Thunder Bay",
  "city.windsor": "Windsor",
  "city.london": "London",
  "city.kingston": "Kingston",
  "city.orillia": "Orillia",
  "city.peterborough": "Peterborough",
  "city.northBay": "North Bay",
  "city.timmins": "Timmins",
  "city.kenora": "Kenora",
  "city.moosonee": "Moosonee",
  "city.saultSteMarie": "Sault Ste. Marie",
  "city.barrie": "Barrie",
};

export const DICTIONARIES = {
  en: {
    "app.title": "Muster",
    "app.tagline": "Ontario emergency coordination",
    "skip": "Skip to the main content",
    "nav.label": "Screens",
    "nav.dashboard": "Dashboard",
    "nav.navigator": "Navigator",
    "nav.manager": "Manager",
    "lang.switch": "Français",
    "lang.switchLabel": "Afficher en français",
    "live.connecting": "Connecting…",
    "live.live": "Live",
    "live.offline": "Offline, retrying…",
    "live.signedOut": "Not signed in",

    "auth.title": "Sign in",
    "auth.intro": "Paste a bearer token. An operator prints one with {cmd}.",
    "auth.token": "Token",
    "auth.submit": "Sign in",
    "auth.signOut": "Sign out",
    "auth.role": "Role",
    "auth.as": "Signed in as {role}",
    "auth.partner": "partner {id}",
    "auth.expires": "expires {when}",
    "auth.invalid": "That is not a Muster token.",
    "auth.expired": "That token has expired; ask for a new one.",
    "auth.rejected": "The API refused this token: {detail}",
    "auth.demo": "Demo tokens",
    "auth.demoAs": "Sign in as {role}",
    "role.manager": "manager",
    "role.partner": "partner",
    "role.navigator": "navigator",
    "role.admin": "administrator",

    "map.title": "Map of Ontario",
    "map.label": "Map of Ontario showing incident areas, shelters, partner bases and resource requests",
    "map.zoomIn": "Zoom in",
    "map.zoomOut": "Zoom out",
    "map.south": "Southern Ontario",
    "map.all": "All of Ontario",
    "map.approx": "Province outline and lakes are hand-drawn and approximate; not for navigation.",
    "map.legend": "Legend",
    "legend.incident": "Affected area of an incident",
    "legend.dangerZone": "Danger zone: no referrals",
    "map.dangerZone": "Danger zone ({kind})",
    "legend.closedIncident": "Incident stood down",
    "legend.shelterGreen": "Shelter: beds free",
    "legend.shelterAmber": "Shelter: few beds left",
    "legend.shelterRed": "Shelter: full",
    "legend.shelterGrey": "Shelter: closed",
    "legend.partner": "Partner base",
    "legend.request": "Open resource request",
    "legend.sample": "Sample record (demonstration data)",
    "legend.drawing": "Area being drawn",

    "dash.title": "Situation",
    "dash.activeIncidents": "Active incidents",
    "dash.openShelters": "Open shelters",
    "dash.freeBeds": "Free beds",
    "dash.openRequests": "Open requests",
    "dash.volunteerHours": "Volunteer hours",
    "dash.incidents": "Incidents",
    "dash.noIncidents": "No incidents declared.",
    "dash.shelters": "Shelters",
    "dash.noShelters": "No shelters registered.",
    "dash.partners": "Partners",
    "dash.noPartners": "No partners registered.",
    "dash.requests": "Open resource requests",
    "dash.noRequests": "No open resource requests.",
    "dash.hours": "Volunteer hours",
    "dash.hoursFor": "Incident",
    "dash.noHours": "No hours logged for this incident yet.",
    "dash.byPartner": "By partner",
    "dash.byDay": "By day",
    "dash.byActivity": "By activity",
    "dash.hoursChart": "Volunteer hours per day for {title}",
    "dash.unavailable": "Not available from this server yet.",
    "dash.showOnMap": "Show on map",

    "shelter.free": "{free} of {capacity} free",
    "shelter.closed": "closed",
    "shelter.inHazard": "inside a danger zone",
    "shelter.pets": "pets",
    "shelter.accessible": "wheelchair",
    "shelter.families": "families",
    "shelter.held": "{held} held",
    "sample.badge": "Sample",
    "sample.title": "Sample record: demonstration data, not a real shelter or partner",

    "incident.severity": "Severity",
    "incident.kind": "Kind",
    "incident.status.active": "active",
    "incident.status.closed": "stood down",
    "incident.declared": "declared {when}",
    "incident.alerted": "{n} partners alerted",
    "incident.hours": "{hours} h",

    "request.line": "{quantity} {type}",
    "request.remaining": "{remaining} still needed",
    "request.committed": "{committed} committed",
    "request.neededBy": "needed by {when}",
    "request.status.open": "open",
    "request.status.committed": "committed",
    "request.status.cancelled": "cancelled",
    "request.status.fulfilled": "fulfilled",
    "priority.low": "low",
    "priority.normal": "normal",
    "priority.high": "high",
    "priority.urgent": "urgent",

    "hours.total": "{hours} h by {volunteers} volunteers ({entries} entries)",
    "hours.h": "{hours} h",

    "nav.title": "Find a bed for a caller",
    "nav.intro": "No names: only where the caller is, how many people, and what they need.",
    "nav.where": "Where is the caller?",
    "nav.whereHint": "A place name (Orillia, Wellesley ON) or coordinates (44.6, -79.42).",
    "nav.household": "People in the household",
    "nav.needs": "Needs",
    "nav.pets": "Pets",
    "nav.wheelchair": "Wheelchair access",
    "nav.family": "Family space",
    "nav.language": "Language of service",
    "nav.anyLanguage": "Any",
    "nav.submit": "Hold a bed",
    "nav.working": "Looking for a bed…",
    "nav.held": "Bed held",
    "nav.confirmed": "Bed confirmed",
    "nav.released": "Bed released",
    "nav.expired": "The hold expired",
    "nav.pending": "Still deciding; checking again…",
    "nav.shelter": "Shelter",
    "nav.distance": "Distance",
    "nav.km": "{km} km",
    "nav.expires": "Hold expires",
    "nav.place": "Caller located at",
    "nav.reference": "Referral number",
    "nav.confirm": "Caller arrived: confirm",
    "nav.release": "Release the bed",
    "nav.sheet": "Printable sheet",
    "nav.sheetEn": "Sheet in English",
    "nav.sheetFr": "Sheet in French",
    "nav.sheetOpen": "Open the sheet in a new tab",
    "nav.sheetPrint": "Print the sheet",
    "nav.sheetFrame": "Printable referral sheet",
    "nav.noCapacity": "No bed available",
    "nav.noCapacityIntro": "No shelter in range can take this household now. Nearest alternatives and why not:",
    "nav.noAlternatives": "No shelters within range.",
    "nav.unknownPlace": "Place not found: {place}",
    "nav.suggestions": "Did you mean:",
    "nav.noSuggestions": "No similar place names. Try coordinates.",
    "nav.badCoords": "Coordinates must be latitude, longitude (for example 44.6, -79.42).",
    "nav.needsRole": "Holding beds needs a navigator token; you can look but not hold.",
    "nav.another": "New caller",
    "nav.code": "Referral code",
    "nav.status": "Shelter status",

    "holds.title": "My holds",
    "holds.intro": "Your callers' beds, read from the server: those to call back first, then the soonest to expire.",
    "holds.none": "No open holds.",
    "holds.left": "{time} left",
    "holds.expiredNow": "hold time is up",
    "holds.expiring": "Expires soon: extend the hold or call the caller.",
    "holds.extend": "Extend",
    "holds.extended": "Extended until {when}.",
    "holds.extending": "Extending…",
    "holds.accepted": "Asked; the shelter has not answered yet.",
    "holds.show": "Show",
    "holds.code": "code {code}",
    "holds.people": "{n} people",
    "holds.onePerson": "1 person",
    "holds.pending": "still deciding",
    "holds.confirmed": "caller arrived",
    "holds.callback": "Call the caller back: {why}",
    "holds.refresh": "Refresh",
    "callback.shelter_closed": "the shelter closed",
    "callback.shelter_closedBecause": "the shelter closed ({reason})",
    "callback.danger_zone": "a danger zone now covers the shelter ({title})",
    "extendRefused.not_held": "Not extended: the bed is no longer held.",
    "extendRefused.confirmed": "Not extended: the caller has arrived and the bed is theirs.",
    "extendRefused.closed": "Not extended: the shelter is closed. Call the caller back.",
    "extendRefused.danger_zone": "Not extended: the shelter is inside a danger zone. Call the caller back.",
    "extendRefused.at_limit": "Not extended: this hold is at its longest.",
    "time.hm": "{h} h {m} min",
    "time.m": "{m} min",
    "time.s": "{s} s",

    "siteStatus.open": "open",
    "siteStatus.limited": "limited",
    "siteStatus.closed": "closed",
    "siteStatus.line": "{status}: {reason}",
    "statusReason.no_power": "no power",
    "statusReason.no_heat": "no heat",
    "statusReason.no_water": "no water",
    "statusReason.no_staff": "no staff",
    "statusReason.full": "full",
    "statusReason.damaged": "damaged",
    "statusReason.other": "other reason",

    "mgr.title": "Declare an incident",
    "mgr.needsRole": "Declaring incidents needs a manager token.",
    "mgr.titleField": "Title",
    "mgr.kind": "Kind",
    "mgr.severity": "Severity",
    "mgr.area": "Area",
    "mgr.areaDraw": "Draw on the map",
    "mgr.areaCircle": "Circle",
    "mgr.areaGeojson": "Paste GeoJSON",
    "mgr.drawStart": "Start drawing",
    "mgr.drawFinish": "Finish polygon",
    "mgr.drawUndo": "Undo last point",
    "mgr.drawClear": "Clear",
    "mgr.drawHint": "Click the map to add corners; at least three. Keyboard users: use Circle or Paste GeoJSON.",
    "mgr.drawCount": "{n} corners",
    "mgr.drawing": "Drawing: click the map to add corners.",
    "mgr.centreLat": "Centre latitude",
    "mgr.centreLon": "Centre longitude",
    "mgr.radius": "Radius (km)",
    "mgr.pickCentre": "Pick the centre on the map",
    "mgr.picking": "Click the map to place the centre.",
    "mgr.geojson": "GeoJSON Polygon or MultiPolygon (lon, lat)",
    "mgr.submit": "Declare incident",
    "mgr.working": "Declaring…",
    "mgr.declared": "Declared: {title}",
    "mgr.accepted": "Accepted: {title}. It appears on the map once applied.",
    "mgr.badGeojson": "That is not valid JSON: {error}",
    "mgr.needArea": "Give an area: draw at least three corners, a circle, or GeoJSON.",
    "mgr.selected": "Selected incident",
    "mgr.pickIncident": "Incident",
    "mgr.noneSelected": "Select an incident on the dashboard or declare one.",
    "mgr.alerts": "Alerted partners",
    "mgr.noAlerts": "No partners alerted yet.",
    "mgr.alertLine": "{km} km away; {capabilities}",
    "mgr.requests": "Resource requests",
    "mgr.noRequests": "No resource requests for this incident.",
    "mgr.close": "Stand down",
    "mgr.closed": "Stood down.",
    "mgr.areaNote": "Note on the area",
    "mgr.kindZoneDefault": "A {kind} makes its whole area a danger zone: referrals go outside it.",
    "mgr.kindNoZone": "A {kind} makes no danger zone: shelters inside it stay open to referrals. Add zones once declared.",
    "mgr.zones": "Danger zones (no referrals inside)",
    "mgr.noZones": "No danger zone: shelters in the affected area stay open to referrals.",
    "mgr.zoneSet": "set {when}",
    "mgr.zoneKind": "Danger",
    "mgr.zoneNote": "Note for navigators (optional)",
    "mgr.zoneHint": "Give the zone's area with the Area controls above (Circle: pick the centre on the map, set the radius), then add it.",
    "mgr.addZone": "Add the area above as a danger zone",
    "mgr.removeZone": "Remove",
    "mgr.zoneAdded": "Danger zone added.",
    "mgr.zoneRemoved": "Danger zone removed.",
    "mgr.zoneAccepted": "Accepted; it shows once applied.",
    "mgr.statusTitle": "Shelter status",
    "mgr.statusIntro": "When a shelter loses power, heat, water or staff, mark it limited or closed. Closing it sends no more callers there and flags every bed held there for a call back.",
    "mgr.statusNeedsRole": "Changing a shelter's status needs a manager or admin token, or the token of the partner that runs it.",
    "mgr.statusShelter": "Shelter",
    "mgr.statusValue": "Status",
    "mgr.statusReason": "Reason",
    "mgr.statusSave": "Set status",
    "mgr.statusSaving": "Setting the status…",
    "mgr.statusSaved": "{name} is now {status}.",
    "mgr.statusAccepted": "Accepted: {name} shows its new status once applied.",
    "mgr.statusNeedsReason": "Say why the shelter is limited or closed.",
    "mgr.statusNone": "No shelters you may change.",

    "error.generic": "Something went wrong: {detail}",
    "error.network": "The server could not be reached.",
    "error.forbidden": "Your role may not do this.",
    "error.tooMany": "Too many requests: {detail}",
    "error.unavailable": "Kafka is unavailable; nothing was accepted. Try again shortly.",

    "kind.ice_storm": "ice storm",
    "kind.flood": "flood",
    "kind.wildfire": "wildfire",
    "kind.tornado": "tornado",
    "kind.power_outage": "power outage",
    "kind.extreme_cold": "extreme cold",
    "kind.hazmat": "hazardous materials",
    "kind.other": "other",
    "kind.winter_storm": "winter storm",
    "kind.heat": "extreme heat",
    "kind.evacuation": "evacuation",
    "zone.evacuation": "evacuation",
    "zone.inundation": "inundation",
    "zone.fire": "fire",
    "zone.hazmat": "hazardous materials",
    "zone.other": "other danger",
    "zone.origin.default": "the whole area (default for this kind)",
    "zone.origin.manager": "set by a manager",
    "zone.origin.alert": "from the CAP alert",
    "severity.minor": "minor",
    "severity.moderate": "moderate",
    "severity.severe": "severe",
    "severity.extreme": "extreme",

    "activity.debris_clearing": "debris clearing",
    "activity.meals": "meals",
    "activity.wellness_checks": "wellness checks",
    "activity.sheltering": "sheltering",
    "activity.first_aid": "first aid",
    "activity.information_referral": "information and referral",
    "activity.search_and_rescue": "search and rescue",
    "activity.logistics": "logistics",
    "activity.other": "other",

    "cap.shelter": "shelter",
    "cap.canteen_truck": "canteen truck",
    "cap.food_kits": "food kits",
    "cap.first_aid": "first aid",
    "cap.search_and_rescue": "search and rescue",
    "cap.drone": "drone",
    "cap.debris_clearing": "debris clearing",
    "cap.wellness_checks": "wellness checks",
    "cap.information_referral": "information and referral",
    "cap.generators": "generators",
    "cap.gps_units": "GPS units",
    "cap.transport": "transport",

    "res.cots": "cots",
    "res.portable_shelters": "portable shelters",
    "res.canteen_trucks": "canteen trucks",
    "res.food_kits": "food kits",
    "res.first_aid_kits": "first aid kits",
    "res.generators": "generators",
    "res.gps_units": "GPS units",
    "res.drones": "drones",
    "res.sar_teams": "search and rescue teams",
    "res.chainsaw_crews": "chainsaw crews",
    "res.vans": "vans",

    "lang.en": "English",
    "lang.fr": "French",
    "lang.es": "Spanish",
    "lang.ar": "Arabic",
    "lang.zh": "Chinese",
    "lang.pa": "Punjabi",
    "lang.oj": "Ojibwe",
    "lang.cr": "Cree",

    // Refusals and exclusions by reason code (handlers/reasons.py), filled from the reason's
    // parameters; "reason.<code>.<variant>" when an optional parameter is there.
    "reason.closed": "closed",
    "reason.closed.because": "closed ({status_reason})",
    "reason.full": "full",
    "reason.only_free": "only {free} free beds",
    "reason.not_open_now": "not open now, and no opening in the days ahead",
    "reason.not_open_now.opens": "not open now; opens {opens_at}",
    "reason.in_danger_zone": "inside danger zone of {titles}",
    "reason.no_pets": "no pets",
    "reason.not_wheelchair_accessible": "not wheelchair accessible",
    "reason.no_families": "no families",
    "reason.no_language": "no service in {language}",
    "reason.beyond": "beyond {radius_km} km",
    "reason.unknown_shelter": "unknown shelter",
    "reason.unknown_partner": "unknown partner {partner_id}",
    "reason.no_inventory": "the partner holds no {resource_type}",
    "reason.none_free": "no {resource_type} free",
    "reason.too_many_claims": "too many open claims at this partner (at most {limit})",
    "reason.claim_ended": "claim {status}",
    "reason.ended_before_arrival": "claim {status} before it arrived",
    "reason.unknown_incident": "no incident {incident_id}",
    "reason.incident_closed": "incident {incident_id} is closed",
    "reason.too_many_zones": "incident {incident_id} has {limit} danger zones, the most it may have",
    "reason.no_danger_zone": "incident {incident_id} has no danger zone {zone_id}",
    "reason.id_in_use": "{id} is already used, with other details",
    "reason.future_date": "{day} has not come yet",
    "reason.unknown_request": "no resource request {request_id}",
    "reason.request_fulfilled": "request {request_id} was already fulfilled",
    "reason.request_cancelled": "request {request_id} was cancelled",
    "reason.unknown_referral": "no referral {referral_id} of yours",
    "reason.referral_not_held": "referral {referral_id} is {status}, not held",
    "reason.unknown_service": "no service site {service_id}",
    "reason.is_a_shelter": "{service_id} is an overnight shelter; change it as a shelter",
    "reason.unknown_place": "unknown place {place}",
    "reason.too_many_open_referrals": "you have {open} open referrals; confirm or release some before holding more beds",
    "reason.unknown_entry": "no volunteer-hours entry {entry_id}",
    "reason.correction_mismatch": "a correction must keep the partner and incident of the entry it corrects",
    "reason.other": "{message}",
    "claimStatus.refused": "refused",
    "claimStatus.released": "released",
    "claimStatus.consumed": "consumed",
    "refStatus.pending": "pending",
    "refStatus.held": "held",
    "refStatus.confirmed": "confirmed",
    "refStatus.released": "released",
    "refStatus.expired": "expired",
    "refStatus.no_capacity": "without a bed",

    ...CITIES,
    "water.superior": "Lake Superior",
    "water.huron": "Lake Huron",
    "water.erie": "Lake Erie",
    "water.ontario": "Lake Ontario",
    "water.hudson": "Hudson Bay",
    "water.james": "James Bay",
  },

  fr: {
    "app.title": "Muster",
    "app.tagline": "Coordination des urgences en Ontario",
    "skip": "Aller au contenu principal",
    "nav.label": "Écrans",
    "nav.dashboard": "Tableau de bord",
    "nav.navigator": "Orientation",
    "nav.manager": "Gestion",
    "lang.switch": "English",
    "lang.switchLabel": "Show in English",
    "live.connecting": "Connexion…",
    "live.live": "En direct",
    "live.offline": "Hors ligne, nouvel essai…",
    "live.signedOut": "Non connecté",

    "auth.title": "Connexion",
    "auth.intro": "Collez un jeton d’accès. Un opérateur en imprime un avec {cmd}.",
    "auth.token": "Jeton",
    "auth.submit": "Se connecter",
    "auth.signOut": "Se déconnecter",
    "auth.role": "Rôle",
    "auth.as": "Connecté comme {role}",
    "auth.partner": "partenaire {id}",
    "auth.expires": "expire {when}",
    "auth.invalid": "Ce n’est pas un jeton Muster.",
    "auth.expired": "Ce jeton a expiré; demandez-en un nouveau.",
    "auth.rejected": "L’API a refusé ce jeton : {detail}",
    "auth.demo": "Jetons de démonstration",
    "auth.demoAs": "Se connecter comme {role}",
    "role.manager": "gestionnaire",
    "role.partner": "partenaire",
    "role.navigator": "intervenant·e 211",
    "role.admin": "administrateur·trice",

    "map.title": "Carte de l’Ontario",
    "map.label": "Carte de l’Ontario montrant les zones d’incident, les refuges, les bases des partenaires et les demandes de ressources",
    "map.zoomIn": "Zoom avant",
    "map.zoomOut": "Zoom arrière",
    "map.south": "Sud de l’Ontario",
    "map.all": "Tout l’Ontario",
    "map.approx": "Le contour de la province et les lacs sont tracés à la main et approximatifs; ne pas utiliser pour la navigation.",
    "map.legend": "Légende",
    "legend.incident": "Zone touchée par un incident",
    "legend.dangerZone": "Zone de danger : aucune orientation",
    "map.dangerZone": "Zone de danger ({kind})",
    "legend.closedIncident": "Incident levé",
    "legend.shelterGreen": "Refuge : lits libres",
    "legend.shelterAmber": "Refuge : peu de lits",
    "legend.shelterRed": "Refuge : complet",
    "legend.shelterGrey": "Refuge : fermé",
    "legend.partner": "Base d’un partenaire",
    "legend.request": "Demande de ressources ouverte",
    "legend.sample": "Fiche d’exemple (données de démonstration)",
    "legend.drawing": "Zone en cours de tracé",

    "dash.title": "Situation",
    "dash.activeIncidents": "Incidents actifs",
    "dash.openShelters": "Refuges ouverts",
    "dash.freeBeds": "Lits libres",
    "dash.openRequests": "Demandes ouvertes",
    "dash.volunteerHours": "Heures de bénévolat",
    "dash.incidents": "Incidents",
    "dash.noIncidents": "Aucun incident déclaré.",
    "dash.shelters": "Refuges",
    "dash.noShelters": "Aucun refuge inscrit.",
    "dash.partners": "Partenaires",
    "dash.noPartners": "Aucun partenaire inscrit.",
    "dash.requests": "Demandes de ressources ouvertes",
    "dash.noRequests": "Aucune demande de ressources ouverte.",
    "dash.hours": "Heures de bénévolat",
    "dash.hoursFor": "Incident",
    "dash.noHours": "Aucune heure consignée pour cet incident.",
    "dash.byPartner": "Par partenaire",
    "dash.byDay": "Par jour",
    "dash.byActivity": "Par activité",
    "dash.hoursChart": "Heures de bénévolat par jour pour {title}",
    "dash.unavailable": "Pas encore offert par ce serveur.",
    "dash.showOnMap": "Voir sur la carte",

    "shelter.free": "{free} lits libres sur {capacity}",
    "shelter.closed": "fermé",
    "shelter.inHazard": "dans une zone de danger",
    "shelter.pets": "animaux",
    "shelter.accessible": "fauteuil roulant",
    "shelter.families": "familles",
    "shelter.held": "{held} réservés",
    "sample.badge": "Exemple",
    "sample.title": "Fiche d’exemple : données de démonstration, pas un vrai refuge ni un vrai partenaire",

    "incident.severity": "Gravité",
    "incident.kind": "Type",
    "incident.status.active": "actif",
    "incident.status.closed": "levé",
    "incident.declared": "déclaré {when}",
    "incident.alerted": "{n} partenaires alertés",
    "incident.hours": "{hours} h",

    "request.line": "{quantity} {type}",
    "request.remaining": "{remaining} encore requis",
    "request.committed": "{committed} engagés",
    "request.neededBy": "requis avant {when}",
    "request.status.open": "ouverte",
    "request.status.committed": "engagée",
    "request.status.cancelled": "annulée",
    "request.status.fulfilled": "livrée",
    "priority.low": "basse",
    "priority.normal": "normale",
    "priority.high": "haute",
    "priority.urgent": "urgente",

    "hours.total": "{hours} h par {volunteers} bénévoles ({entries} entrées)",
    "hours.h": "{hours} h",

    "nav.title": "Trouver un lit pour un appelant",
    "nav.intro": "Aucun nom : seulement où se trouve la personne, combien de personnes et leurs besoins.",
    "nav.where": "Où se trouve l’appelant?",
    "nav.whereHint": "Un nom de lieu (Orillia, Wellesley ON) ou des coordonnées (44.6, -79.42).",
    "nav.household": "Personnes dans le ménage",
    "nav.needs": "Besoins",
    "nav.pets": "Animaux",
    "nav.wheelchair": "Accès en fauteuil roulant",
    "nav.family": "Espace familial",
    "nav.language": "Langue de service",
    "nav.anyLanguage": "Toutes",
    "nav.submit": "Réserver un lit",
    "nav.working": "Recherche d’un lit…",
    "nav.held": "Lit réservé",
    "nav.confirmed": "Lit confirmé",
    "nav.released": "Lit libéré",
    "nav.expired": "La réservation a expiré",
    "nav.pending": "Décision en cours; nouvelle vérification…",
    "nav.shelter": "Refuge",
    "nav.distance": "Distance",
    "nav.km": "{km} km",
    "nav.expires": "La réservation expire",
    "nav.place": "Appelant situé à",
    "nav.reference": "Numéro d’orientation",
    "nav.confirm": "Personne arrivée : confirmer",
    "nav.release": "Libérer le lit",
    "nav.sheet": "Fiche imprimable",
    "nav.sheetEn": "Fiche en anglais",
    "nav.sheetFr": "Fiche en français",
    "nav.sheetOpen": "Ouvrir la fiche dans un nouvel onglet",
    "nav.sheetPrint": "Imprimer la fiche",
    "nav.sheetFrame": "Fiche d’orientation imprimable",
    "nav.noCapacity": "Aucun lit disponible",
    "nav.noCapacityIntro": "Aucun refuge à portée ne peut accueillir ce ménage maintenant. Solutions les plus proches et raisons :",
    "nav.noAlternatives": "Aucun refuge à portée.",
    "nav.unknownPlace": "Lieu introuvable : {place}",
    "nav.suggestions": "Vouliez-vous dire :",
    "nav.noSuggestions": "Aucun nom de lieu semblable. Essayez des coordonnées.",
    "nav.badCoords": "Les coordonnées doivent être latitude, longitude (par exemple 44.6, -79.42).",
    "nav.needsRole": "Réserver des lits exige un jeton d’intervenant·e; vous pouvez consulter sans réserver.",
    "nav.another": "Nouvel appel",
    "nav.code": "Code d’orientation",
    "nav.status": "État du refuge",

    "holds.title": "Mes réservations",
    "holds.intro": "Les lits de vos appelants, lus sur le serveur : d’abord ceux à rappeler, puis ceux qui expirent le plus tôt.",
    "holds.none": "Aucune réservation en cours.",
    "holds.left": "reste {time}",
    "holds.expiredNow": "délai écoulé",
    "holds.expiring": "Expire bientôt : prolongez la réservation ou rappelez la personne.",
    "holds.extend": "Prolonger",
    "holds.extended": "Prolongée jusqu’à {when}.",
    "holds.extending": "Prolongation…",
    "holds.accepted": "Demande envoyée; le refuge n’a pas encore répondu.",
    "holds.show": "Afficher",
    "holds.code": "code {code}",
    "holds.people": "{n} personnes",
    "holds.onePerson": "1 personne",
    "holds.pending": "décision en cours",
    "holds.confirmed": "personne arrivée",
    "holds.callback": "Rappeler la personne : {why}",
    "holds.refresh": "Actualiser",
    "callback.shelter_closed": "le refuge a fermé",
    "callback.shelter_closedBecause": "le refuge a fermé ({reason})",
    "callback.danger_zone": "une zone de danger couvre maintenant le refuge ({title})",
    "extendRefused.not_held": "Non prolongée : le lit n’est plus réservé.",
    "extendRefused.confirmed": "Non prolongée : la personne est arrivée et le lit est à elle.",
    "extendRefused.closed": "Non prolongée : le refuge est fermé. Rappelez la personne.",
    "extendRefused.danger_zone": "Non prolongée : le refuge est dans une zone de danger. Rappelez la personne.",
    "extendRefused.at_limit": "Non prolongée : cette réservation a atteint sa durée maximale.",
    "time.hm": "{h} h {m} min",
    "time.m": "{m} min",
    "time.s": "{s} s",

    "siteStatus.open": "ouvert",
    "siteStatus.limited": "service réduit",
    "siteStatus.closed": "fermé",
    "siteStatus.line": "{status} : {reason}",
    "statusReason.no_power": "pas d’électricité",
    "statusReason.no_heat": "pas de chauffage",
    "statusReason.no_water": "pas d’eau",
    "statusReason.no_staff": "pas de personnel",
    "statusReason.full": "complet",
    "statusReason.damaged": "endommagé",
    "statusReason.other": "autre raison",

    "mgr.title": "Déclarer un incident",
    "mgr.needsRole": "Déclarer un incident exige un jeton de gestionnaire.",
    "mgr.titleField": "Titre",
    "mgr.kind": "Type",
    "mgr.severity": "Gravité",
    "mgr.area": "Zone",
    "mgr.areaDraw": "Tracer sur la carte",
    "mgr.areaCircle": "Cercle",
    "mgr.areaGeojson": "Coller du GeoJSON",
    "mgr.drawStart": "Commencer le tracé",
    "mgr.drawFinish": "Terminer le polygone",
    "mgr.drawUndo": "Annuler le dernier point",
    "mgr.drawClear": "Effacer",
    "mgr.drawHint": "Cliquez sur la carte pour ajouter des sommets; au moins trois. Au clavier : utilisez Cercle ou Coller du GeoJSON.",
    "mgr.drawCount": "{n} sommets",
    "mgr.drawing": "Tracé en cours : cliquez sur la carte pour ajouter des sommets.",
    "mgr.centreLat": "Latitude du centre",
    "mgr.centreLon": "Longitude du centre",
    "mgr.radius": "Rayon (km)",
    "mgr.pickCentre": "Choisir le centre sur la carte",
    "mgr.picking": "Cliquez sur la carte pour placer le centre.",
    "mgr.geojson": "Polygon ou MultiPolygon GeoJSON (lon, lat)",
    "mgr.submit": "Déclarer l’incident",
    "mgr.working": "Déclaration…",
    "mgr.declared": "Déclaré : {title}",
    "mgr.accepted": "Accepté : {title}. Il paraîtra sur la carte une fois appliqué.",
    "mgr.badGeojson": "Ce n’est pas du JSON valide : {error}",
    "mgr.needArea": "Indiquez une zone : au moins trois sommets, un cercle ou du GeoJSON.",
    "mgr.selected": "Incident choisi",
    "mgr.pickIncident": "Incident",
    "mgr.noneSelected": "Choisissez un incident dans le tableau de bord ou déclarez-en un.",
    "mgr.alerts": "Partenaires alertés",
    "mgr.noAlerts": "Aucun partenaire alerté pour l’instant.",
    "mgr.alertLine": "à {km} km; {capabilities}",
    "mgr.requests": "Demandes de ressources",
    "mgr.noRequests": "Aucune demande de ressources pour cet incident.",
    "mgr.close": "Lever l’incident",
    "mgr.closed": "Incident levé.",
    "mgr.areaNote": "Note sur la zone",
    "mgr.kindZoneDefault": "Un incident de type {kind} fait de toute sa zone une zone de danger : les orientations vont ailleurs.",
    "mgr.kindNoZone": "Un incident de type {kind} ne crée aucune zone de danger : ses refuges restent ouverts aux orientations. Ajoutez des zones une fois déclaré.",
    "mgr.zones": "Zones de danger (aucune orientation à l’intérieur)",
    "mgr.noZones": "Aucune zone de danger : les refuges de la zone touchée restent ouverts aux orientations.",
    "mgr.zoneSet": "fixée {when}",
    "mgr.zoneKind": "Danger",
    "mgr.zoneNote": "Note pour les intervenants (facultatif)",
    "mgr.zoneHint": "Indiquez la zone avec les contrôles Zone ci-dessus (Cercle : choisissez le centre sur la carte, fixez le rayon), puis ajoutez-la.",
    "mgr.addZone": "Ajouter la zone ci-dessus comme zone de danger",
    "mgr.removeZone": "Retirer",
    "mgr.zoneAdded": "Zone de danger ajoutée.",
    "mgr.zoneRemoved": "Zone de danger retirée.",
    "mgr.zoneAccepted": "Acceptée; elle paraîtra une fois appliquée.",
    "mgr.statusTitle": "État des refuges",
    "mgr.statusIntro": "Quand un refuge perd l’électricité, le chauffage, l’eau ou son personnel, indiquez un service réduit ou la fermeture. Une fermeture n’y envoie plus personne et signale chaque lit réservé pour un rappel.",
    "mgr.statusNeedsRole": "Changer l’état d’un refuge exige un jeton de gestionnaire ou d’administration, ou celui du partenaire qui l’exploite.",
    "mgr.statusShelter": "Refuge",
    "mgr.statusValue": "État",
    "mgr.statusReason": "Raison",
    "mgr.statusSave": "Changer l’état",
    "mgr.statusSaving": "Changement de l’état…",
    "mgr.statusSaved": "{name} est maintenant : {status}.",
    "mgr.statusAccepted": "Accepté : {name} affichera son nouvel état une fois appliqué.",
    "mgr.statusNeedsReason": "Indiquez pourquoi le refuge offre un service réduit ou est fermé.",
    "mgr.statusNone": "Aucun refuge que vous pouvez modifier.",

    "error.generic": "Un problème est survenu : {detail}",
    "error.network": "Le serveur est injoignable.",
    "error.forbidden": "Votre rôle ne permet pas cette action.",
    "error.tooMany": "Trop de requêtes : {detail}",
    "error.unavailable": "Kafka est indisponible; rien n’a été accepté. Réessayez sous peu.",

    "kind.ice_storm": "tempête de verglas",
    "kind.flood": "inondation",
    "kind.wildfire": "feu de forêt",
    "kind.tornado": "tornade",
    "kind.power_outage": "panne de courant",
    "kind.extreme_cold": "froid extrême",
    "kind.hazmat": "matières dangereuses",
    "kind.other": "autre",
    "kind.winter_storm": "tempête hivernale",
    "kind.heat": "chaleur extrême",
    "kind.evacuation": "évacuation",
    "zone.evacuation": "évacuation",
    "zone.inundation": "inondation",
    "zone.fire": "feu",
    "zone.hazmat": "matières dangereuses",
    "zone.other": "autre danger",
    "zone.origin.default": "toute la zone touchée (par défaut pour ce type)",
    "zone.origin.manager": "fixée par un gestionnaire",
    "zone.origin.alert": "selon l’alerte PAC",
    "severity.minor": "mineure",
    "severity.moderate": "modérée",
    "severity.severe": "grave",
    "severity.extreme": "extrême",

    "activity.debris_clearing": "déblaiement",
    "activity.meals": "repas",
    "activity.wellness_checks": "visites de bien-être",
    "activity.sheltering": "hébergement",
    "activity.first_aid": "premiers soins",
    "activity.information_referral": "information et orientation",
    "activity.search_and_rescue": "recherche et sauvetage",
    "activity.logistics": "logistique",
    "activity.other": "autre",

    "cap.shelter": "hébergement",
    "cap.canteen_truck": "camion-cantine",
    "cap.food_kits": "trousses alimentaires",
    "cap.first_aid": "premiers soins",
    "cap.search_and_rescue": "recherche et sauvetage",
    "cap.drone": "drone",
    "cap.debris_clearing": "déblaiement",
    "cap.wellness_checks": "visites de bien-être",
    "cap.information_referral": "information et orientation",
    "cap.generators": "génératrices",
    "cap.gps_units": "appareils GPS",
    "cap.transport": "transport",

    "res.cots": "lits de camp",
    "res.portable_shelters": "abris portatifs",
    "res.canteen_trucks": "camions-cantines",
    "res.food_kits": "trousses alimentaires",
    "res.first_aid_kits": "trousses de premiers soins",
    "res.generators": "génératrices",
    "res.gps_units": "appareils GPS",
    "res.drones": "drones",
    "res.sar_teams": "équipes de recherche et sauvetage",
    "res.chainsaw_crews": "équipes de tronçonneuses",
    "res.vans": "fourgonnettes",

    "lang.en": "anglais",
    "lang.fr": "français",
    "lang.es": "espagnol",
    "lang.ar": "arabe",
    "lang.zh": "chinois",
    "lang.pa": "pendjabi",
    "lang.oj": "ojibwé",
    "lang.cr": "cri",

    "reason.closed": "fermé",
    "reason.closed.because": "fermé ({status_reason})",
    "reason.full": "complet",
    "reason.only_free": "seulement {free} lits libres",
    "reason.not_open_now": "fermé en ce moment, sans ouverture prévue ces jours-ci",
    "reason.not_open_now.opens": "fermé en ce moment; ouvre {opens_at}",
    "reason.in_danger_zone": "dans la zone de danger de {titles}",
    "reason.no_pets": "animaux non admis",
    "reason.not_wheelchair_accessible": "pas accessible en fauteuil roulant",
    "reason.no_families": "pas de familles",
    "reason.no_language": "pas de service en {language}",
    "reason.beyond": "au-delà de {radius_km} km",
    "reason.unknown_shelter": "refuge inconnu",
    "reason.unknown_partner": "partenaire inconnu : {partner_id}",
    "reason.no_inventory": "le partenaire n’a pas de {resource_type}",
    "reason.none_free": "aucun {resource_type} disponible",
    "reason.too_many_claims": "trop de demandes ouvertes chez ce partenaire (au plus {limit})",
    "reason.claim_ended": "demande {status}",
    "reason.ended_before_arrival": "demande {status} avant son arrivée",
    "reason.unknown_incident": "aucun incident {incident_id}",
    "reason.incident_closed": "l’incident {incident_id} est clos",
    "reason.too_many_zones": "l’incident {incident_id} a {limit} zones de danger, le maximum permis",
    "reason.no_danger_zone": "l’incident {incident_id} n’a pas de zone de danger {zone_id}",
    "reason.id_in_use": "{id} est déjà utilisé, avec d’autres détails",
    "reason.future_date": "le {day} n’est pas encore arrivé",
    "reason.unknown_request": "aucune demande de ressources {request_id}",
    "reason.request_fulfilled": "la demande {request_id} est déjà remplie",
    "reason.request_cancelled": "la demande {request_id} a été annulée",
    "reason.unknown_referral": "aucune orientation {referral_id} à votre nom",
    "reason.referral_not_held": "l’orientation {referral_id} est {status}, sans lit réservé",
    "reason.unknown_service": "aucun lieu de service {service_id}",
    "reason.is_a_shelter": "{service_id} est un refuge de nuit; modifiez-le comme refuge",
    "reason.unknown_place": "lieu inconnu : {place}",
    "reason.too_many_open_referrals": "vous avez {open} orientations ouvertes; confirmez-en ou libérez-en avant de réserver d’autres lits",
    "reason.unknown_entry": "aucune entrée d’heures de bénévolat {entry_id}",
    "reason.correction_mismatch": "une correction doit garder le partenaire et l’incident de l’entrée qu’elle corrige",
    "reason.other": "{message}",
    "claimStatus.refused": "refusée",
    "claimStatus.released": "libérée",
    "claimStatus.consumed": "livrée",
    "refStatus.pending": "en attente",
    "refStatus.held": "réservée",
    "refStatus.confirmed": "confirmée",
    "refStatus.released": "libérée",
    "refStatus.expired": "expirée",
    "refStatus.no_capacity": "sans lit",

    ...CITIES,
    "city.saultSteMarie": "Sault-Sainte-Marie",
    "water.superior": "Lac Supérieur",
    "water.huron": "Lac Huron",
    "water.erie": "Lac Érié",
    "water.ontario": "Lac Ontario",
    "water.hudson": "Baie d’Hudson",
    "water.james": "Baie James",
  },
};

export const LANGUAGES = Object.keys(DICTIONARIES);
const STORAGE_KEY = "muster.lang";

let current = initialLanguage();
const listeners = new Set();

function initialLanguage() {
  const stored = safeGet(STORAGE_KEY);
  if (stored && DICTIONARIES[stored]) return stored;
  const preferred = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
  return preferred.toLowerCase().startsWith("fr") ? "fr" : "en";
}

function safeGet(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function lang() {
  return current;
}

export function setLang(next) {
  if (!DICTIONARIES[next] || next === current) return;
  current = next;
  try {
    window.localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  applyStatic(document);
  for (const listener of listeners) listener(next);
}

export function onLangChange(listener) {
  listeners.add(listener);
}

/** The string for `key` in the current language, with `{name}` filled from `vars`. */
export function t(key, vars = {}) {
  const table = DICTIONARIES[current];
  let text = table[key];
  if (text === undefined) {
    text = DICTIONARIES.en[key];
    if (text === undefined) return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** A vocabulary value (`kind.flood`), or the raw value with underscores as spaces if unknown. */
export function term(prefix, value) {
  const key = `${prefix}.${value}`;
  return key in DICTIONARIES[current] ? t(key) : String(value).replaceAll("_", " ");
}

/** Fill every `data-i18n` element's text and every `data-i18n-attr="attr:key;attr:key"`. */
export function applyStatic(root) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
  document.title = `${t("app.title")} — ${t("app.tagline")}`;
}

export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(current === "fr" ? "fr-CA" : "en-CA", {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  }).format(value);
}

/** A timestamp in the viewer's own time zone, with the zone named. */
export function formatDateTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(current === "fr" ? "fr-CA" : "en-CA", {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(date);
}

/** A calendar day ("2025-03-30") as a short label, without shifting it through time zones. */
export function formatDay(isoDay) {
  const [y, m, d] = isoDay.split("-").map(Number);
  if (!y || !m || !d) return isoDay;
  return new Intl.DateTimeFormat(current === "fr" ? "fr-CA" : "en-CA", {
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** A limited or closed site's status and reason ("limited: no heat"); null when it is open. */
export function siteStatusText(site) {
  if (!site?.status || site.status === "open") return null;
  const status = term("siteStatus", site.status);
  return site.status_reason ? t("siteStatus.line", { status, reason: term("statusReason", site.status_reason) }) : status;
}

/** A duration in seconds as people read a countdown: "1 h 05 min", "12 min", "40 s". */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return t("time.s", { s: total });
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return t("time.m", { m: minutes });
  return t("time.hm", { h: Math.floor(minutes / 60), m: String(minutes % 60).padStart(2, "0") });
}

/**
 * Why something was refused or left out, in the current language: a reason as the API gives it
 * (`{code, message, ...parameters}`, handlers/reasons.py) as the text of `reason.<code>` (or of
 * `reason.<code>.<variant>` when an optional parameter is there) with its parameters filled.
 * A code this dashboard does not know yet shows the server's English message.
 */
export function reason(given) {
  if (!given || typeof given !== "object") return String(given ?? "");
  const key = `reason.${given.code}`;
  if (!(key in DICTIONARIES.en)) return given.message ?? String(given.code);
  const variant = given.code === "closed" && given.status_reason ? ".because"
    : given.code === "not_open_now" && given.opens_at ? ".opens" : "";
  return t(key + variant, reasonVars(given));
}

/** A reason's parameters as the sentence shows them: vocabulary translated, numbers and times localized. */
function reasonVars(given) {
  const vars = { ...given };
  if (given.status_reason) vars.status_reason = term("statusReason", given.status_reason);
  if (given.opens_at) vars.opens_at = formatDateTime(given.opens_at);
  if (given.titles) vars.titles = given.titles.map((title) => `“${title}”`).join(", ");
  if (given.language) vars.language = term("lang", given.language);
  if (given.radius_km !== undefined) vars.radius_km = formatNumber(given.radius_km, 1);
  if (given.resource_type) vars.resource_type = term("resource", given.resource_type);
  if (given.day) vars.day = formatDay(given.day);
  if (given.status) {
    const vocabulary = given.code === "referral_not_held" ? "refStatus" : "claimStatus";
    vars.status = term(vocabulary, given.status);
  }
  return vars;
}
