package gen

// The word lists the generator draws names from. Changing any of them
// changes the output: bump Version.

var firstNames = []string{
	"anna", "ben", "carla", "david", "elena", "felix", "greta", "hugo", "ines", "jonas",
	"karin", "lars", "maria", "nils", "olga", "paul", "quinn", "rosa", "sven", "tara",
	"uwe", "vera", "wim", "xenia", "yusuf", "zoe", "amir", "bianca", "chen", "dora",
	"emil", "fatima", "gustav", "hanna", "igor", "julia", "kofi", "lena", "marco", "nora",
	"oskar", "priya", "rafael", "sofia", "tomas", "ulla", "viktor", "wanda", "yara", "zeno",
	"aisha", "bruno", "clara", "dario", "eva", "finn", "gina", "henrik", "ida", "jan",
}

var lastNames = []string{
	"keller", "novak", "garcia", "schmidt", "rossi", "dubois", "jensen", "kowalski", "silva", "ivanova",
	"meyer", "fischer", "weber", "wagner", "becker", "hoffmann", "schulz", "koch", "richter", "klein",
	"wolf", "neumann", "schwarz", "braun", "zimmermann", "hartmann", "lange", "werner", "krause", "lehmann",
	"okafor", "tanaka", "nguyen", "haddad", "moreau", "costa", "larsen", "berg", "lindqvist", "murphy",
	"obrien", "walsh", "kaur", "singh", "patel", "khan", "yilmaz", "demir", "horvat", "popescu",
	"santos", "ferreira", "martin", "bernard", "petit", "lambert", "fontaine", "nowak", "wojcik", "kaminski",
}

// brands name the client (or company) behind a team and its sites.
var brands = []string{
	"acme-foods", "northwind", "globex", "lumen", "initech", "umbrella", "fjordbikes", "hooli",
	"wayne-retail", "stark-labs", "tyrell", "cyberdyne", "soylent", "vandelay", "oscorp", "wonka",
	"gringotts", "duff", "krusty", "monarch", "pied-piper", "aviato", "dunder", "sterling",
	"bluth", "nakatomi", "gekko", "massive-dynamic", "prestige", "ollivander", "zorg", "weyland",
	"virtucon", "primatech", "bigkahuna", "abstergo", "aperture", "blackmesa", "contoso", "fabrikam",
}

var tlds = []string{"com", "de", "no", "io", "co.uk", "fr", "nl", "app", "shop", "se"}

// plausibleSubs prefix a client's domain: a Plausible site is a domain.
var plausibleSubs = []string{
	"www", "shop", "blog", "app", "docs", "help", "status", "careers", "news", "staging",
}

// products name Piwik PRO apps and PostHog projects.
var products = []string{
	"web", "shop", "ios", "android", "checkout", "loyalty", "support", "intranet", "careers", "blog",
}

// internalDomains are the companies and agencies whose staff are members;
// the policy lists them all, so everyone else is external.
var internalDomains = []string{
	"northwind.agency", "globex.com", "lumen.app", "initech.io", "umbrella-group.com",
}

// agencies are the external people's domains: clients, freelancers and
// agencies working on the teams' sites.
var agencies = []string{
	"brightlane-digital.com", "mobile-agency.co", "growth-partners.io", "freelance.dev",
	"pixelwerk.de", "datadriven.agency", "conversionlab.se", "seo-heroes.co.uk",
	"northstar-media.com", "blauw.nl", "agence-clair.fr", "tagwise.io",
	"acme-foods.com", "fjordbikes.no", "hooli-marketing.com", "vandelay-imports.com",
	"funnel-doctors.com", "insightful.consulting", "measure.camp", "appstore-growth.io",
}

var guestReasons = []string{
	"Post-implementation support",
	"Campaign reporting for the spring launch",
	"Tracking implementation of the new shop",
	"Monthly client reports",
	"Conversion rate audit, SOW 2026-14",
	"SEO migration checks",
	"Client contact reads their own numbers",
	"Tag management during the relaunch",
	"App store growth analysis",
	"Data quality review",
}

var memberReasons = []string{
	"Account lead",
	"Analyst",
	"Engineering",
	"Reporting team",
	"Tag management",
	"Product management",
	"Customer success",
	"Marketing operations",
}
