// Package sync moves the terminal's queued records to the district backend
// and brings the district's catalog, application statuses and configuration
// back, over HTTPS with mutual TLS. Every record carries an id made on the
// terminal, so the backend stores it once however often it is sent.
package sync
