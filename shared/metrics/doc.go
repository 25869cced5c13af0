// Package metrics turns probe rounds into CloudWatch datums (names and
// dimensions from package alarm) and publishes them to the home region, in
// batches within CloudWatch's limits, with an Embedded Metric Format fallback
// so a datum that cannot be published is still written somewhere durable.
package metrics
