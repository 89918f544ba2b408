// Package driver owns the contract between roster and a platform's API:
// the Driver interface (read one team's live access; make one planned
// change and say its outcome; say which changes only a person can make),
// the Team a driver works on, the live Snapshot it returns in the model's
// terms, the errors that name the address and the platform's message,
// the optional PlanChecker (a driver that refuses a team's whole plan
// before anything is sent), and ResolveSites, which finds declared sites
// in a platform's list by id or name.
//
// Each platform's driver lives in a sub-package (posthog, piwikpro,
// plausible, ga4, matomo), driver/httpc is the one HTTP client they all use and
// driver/kit what they share to read safely (answer shapes, paging held
// to its word, reads bounded by Options.Parallelism). driver/drivertest is
// the contract every driver passes against its fake, and
// driver/openapitest checks drivers and fakes against the platforms'
// published API documents. Only these packages, and the fake platform
// servers of internal/fake, speak HTTP (internal/archtest holds that).
// Planning stays pure: the planner receives a Snapshot and never calls a
// driver.
package driver
