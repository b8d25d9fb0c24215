package access

// exception is one built-in access exception: a (service, component) pair
// reachable with the given verbs whatever the role says.
type exception struct {
	service, component string
	verbs              int
}

// exceptions are DreamFactory's built-in access exceptions (df-user and
// df-system service types; AccessCheck's list in older 2.x).
var exceptions = []exception{
	{"user", "session", All},
	{"user", "password", Post},
	{"user", "register", Post},
	{"user", "profile", Get | Post | Put | Patch},
	{"system", "admin/session", All},
	{"system", "admin/password", Post},
	{"system", "environment", Get},
}

// IsException reports whether method on (service, component) is a built-in
// access exception. The service is compared case-insensitively; the
// component, lowercased, must equal the exception's exactly ("session/1"
// and "" are not exceptions). HEAD and other non-CRUD verbs never are.
// The requestor plays no part.
func IsException(service, component, method string) bool {
	verb := VerbMask(method)
	component = asciiLower(component)
	for _, x := range exceptions {
		if verb&x.verbs != 0 && equalFold(service, x.service) && component == x.component {
			return true
		}
	}
	return false
}

// Allowed reports whether method on (service, component) is permitted:
// the verb's bit is in Mask(entries, service, component, r), or, only when
// that fails, the request is an access exception. component comes from
// Component. Unknown methods are never allowed. The sys-admin bypass and
// the inactive-role check belong to the caller.
func Allowed(entries []Entry, service, component, method string, r Requestor) bool {
	if VerbMask(method)&Mask(entries, service, component, r) != 0 {
		return true
	}
	return IsException(service, component, method)
}
