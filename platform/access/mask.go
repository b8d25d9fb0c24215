package access

// Verb masks, as DreamFactory's VerbsMask. "Full access" in the admin UI is
// All (31); OPTIONS and above are never part of it.
const (
	None    = 0
	Get     = 1
	Post    = 2
	Put     = 4
	Patch   = 8
	Delete  = 16
	Options = 32
	Head    = 64
	Copy    = 128
	Trace   = 256
	Connect = 512
	All     = Get | Post | Put | Patch | Delete // 31
)

// Requestor is the kind of caller, as DreamFactory's ServiceRequestorTypes.
// An Entry's RequestorMask is an OR of these; 0 matches no requestor.
type Requestor int

const (
	// API is any HTTP client of /api/v2 (including Node/Python scripts that
	// call back over HTTP without their script token).
	API Requestor = 1
	// Script is an in-process script call (platform.api) or a script calling
	// back with its script token.
	Script Requestor = 2
)

// VerbMask maps an HTTP method (case-insensitive) to its mask bit. It also
// accepts DreamFactory's action aliases READ→GET, CREATE→POST, UPDATE→PUT.
// Unknown methods give 0, which no entry can grant (DreamFactory throws
// NotImplemented there instead).
//
// HEAD is NOT treated as GET: DreamFactory checks a HEAD request against the
// HEAD bit (64), which the admin UI's "full access" (31) does not include, so
// a HEAD request is forbidden unless a row explicitly carries bit 64.
func VerbMask(method string) int {
	switch asciiUpper(method) {
	case "GET", "READ":
		return Get
	case "POST", "CREATE":
		return Post
	case "PUT", "UPDATE":
		return Put
	case "PATCH":
		return Patch
	case "DELETE":
		return Delete
	case "OPTIONS":
		return Options
	case "HEAD":
		return Head
	case "COPY":
		return Copy
	case "TRACE":
		return Trace
	case "CONNECT":
		return Connect
	}
	return None
}
