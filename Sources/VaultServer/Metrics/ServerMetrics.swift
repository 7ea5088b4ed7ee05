import Prometheus

/// The service's Prometheus metrics: requests by route and status, bytes served and received,
/// streams in progress, refusals. Labels are routes and status codes only, never ids or names.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let bytesServed: Counter
    let bytesReceived: Counter
    let activeStreams: Gauge
    let rejectedStreams: Counter

    init() {
        bytesServed = registry.makeCounter(name: "sessionvault_http_bytes_served_total", help: "Plaintext bytes sent in content and review responses.")
        bytesReceived = registry.makeCounter(name: "sessionvault_http_bytes_received_total", help: "Bytes received in uploads.")
        activeStreams = registry.makeGauge(name: "sessionvault_http_active_streams", help: "Content, review and upload streams in progress.")
        rejectedStreams = registry.makeCounter(name: "sessionvault_http_streams_rejected_total", help: "Streams refused with 503 at the concurrency cap.")
    }

    func request(route: String, method: String, status: Int) {
        registry.makeCounter(name: "sessionvault_http_requests_total",
                             labels: [("route", route), ("method", method), ("status", String(status))],
                             help: "HTTP requests by route, method and status.").increment()
    }

    func exposition() -> [UInt8] { registry.emitToBuffer() }
}
