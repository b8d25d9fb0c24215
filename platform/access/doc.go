// Package access reproduces DreamFactory 2.x role-based access control:
// how a role's role_service_access rows (Entry) resolve to a verb mask for a
// (service, component, requestor) triple, the built-in access exceptions,
// the row-level ("server side") filter lookup, the service-reachability test
// used by listings, and the exact 403 message text.
//
// The behaviour follows df-core's Session::getServicePermissions,
// Session::getServiceFilters, Session::allowsServiceAccess,
// Session::checkServicePermission and the AccessCheck middleware. What is
// NOT here, because it needs session state the caller owns: the sys-admin
// bypass (a sys-admin with no user_to_app_to_role rows gets All for
// everything), the inactive-role check, and the 400/401 credential messages.
//
// Every function is pure and safe for concurrent use.
package access
