package access

// ForbiddenMessage returns DreamFactory's 403 message for a verb the role
// does not grant (Session::checkServicePermission prefixed with
// "Access Forbidden. " by AccessCheck):
//
//	Access Forbidden. GET access to component '_table/contact' of service 'db' is not allowed by this user's role.
//	Access Forbidden. GET access to service 'db' is not allowed by this user's role.
//
// method gets its first byte uppercased (PHP ucfirst) and is otherwise used
// as given; service and component are used as given — AccessCheck passes
// both lowercased, and the component as routed (before the "(…)" removal).
// The text is not HTML-escaped here; the error envelope does that.
func ForbiddenMessage(method, service, component string) string {
	msg := "Access Forbidden. " + ucfirst(method) + " access to "
	if component != "" {
		msg += "component '" + component + "' of "
	}
	return msg + "service '" + service + "' is not allowed by this user's role."
}

// ucfirst uppercases the first byte when it is a-z, like PHP's ucfirst.
func ucfirst(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-('a'-'A')) + s[1:]
	}
	return s
}
