import Prometheus

/// The service's Prometheus metrics: requests by route and status, bytes served and received,
/// streams in progress, refusals. Labels are routes and status codes only, never ids or names.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let bytesServed: Counter
    let bytesReceived: Counter
    let activeStreams: Gauge
    let rejectedStreams: Counter
    let poolBudget: Gauge
    let poolLeased: Gauge
    let poolWaiting: Gauge
    let poolWaits: Counter
    let poolAllocated: Counter

    init() {
        bytesServed = registry.makeCounter(name: "sessionvault_http_bytes_served_total", help: "Plaintext bytes sent in content and review responses.")
        bytesReceived = registry.makeCounter(name: "sessionvault_http_bytes_received_total", help: "Bytes received in uploads.")
        activeStreams = registry.makeGauge(name: "sessionvault_http_active_streams", help: "Content, review and upload streams in progress.")
        rejectedStreams = registry.makeCounter(name: "sessionvault_http_streams_rejected_total", help: "Streams refused with 503 at the concurrency cap.")
        poolBudget = registry.makeGauge(name: "sessionvault_http_plaintext_pool_budget_bytes",
                                        help: "Budget of the buffers that content and review responses decrypt into.")
        poolLeased = registry.makeGauge(name: "sessionvault_http_plaintext_pool_leased_bytes",
                                        help: "Bytes of decryption buffers leased now (decrypting or being written).")
        poolWaiting = registry.makeGauge(name: "sessionvault_http_plaintext_pool_waiting_streams",
                                         help: "Streams waiting for decryption buffers now (the budget is spent).")
        poolWaits = registry.makeCounter(name: "sessionvault_http_plaintext_pool_waits_total",
                                         help: "Times a stream waited for decryption buffers.")
        poolAllocated = registry.makeCounter(name: "sessionvault_http_plaintext_pool_buffers_allocated_total",
                                             help: "Decryption buffers allocated (one per chunk or segment span served).")
    }

    func request(route: String, method: String, status: Int) {
        registry.makeCounter(name: "sessionvault_http_requests_total",
                             labels: [("route", route), ("method", method), ("status", String(status))],
                             help: "HTTP requests by route, method and status.").increment()
    }

    func exposition() -> [UInt8] { registry.emitToBuffer() }
}
