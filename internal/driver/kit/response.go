package kit

// Response is what one call of a driver's API client made: the API log
// lines of its requests (one a request, retries included; httpc writes
// them) and, for a list, the pages read.
type Response struct {
	API   []string
	Pages int
}
