import Breakwater
import NIOCore

/// What `POST /circuits/{name}` can do to a circuit, as its JSON body names it:
/// `{"action": "force-open"}`, or as resilience4j's Spring Boot actuator does:
/// `{"updateState": "FORCE_OPEN"}`.
enum CircuitAction: String, CaseIterable, Sendable {
    /// Closes the circuit with an empty window.
    case reset
    /// Rejects every call until another action.
    case forceOpen = "force-open"
    /// Lets every call through and records nothing.
    case disable
    /// Lets every call through and records it, but never trips.
    case metricsOnly = "metrics-only"

    /// The largest request body read for an action; a larger one gets `413`.
    static let maximumBodySize = 1_024

    /// Sets `breaker`'s state, a manual transition whose reason says who did what from where,
    /// such as `reset by alice over HTTP`.
    func apply(to breaker: CircuitBreaker, by user: String) {
        let reason = "\(rawValue) by \(user) over HTTP"
        switch self {
        case .reset: breaker.reset(reason: reason)
        case .forceOpen: breaker.forceOpen(reason: reason)
        case .disable: breaker.disable(reason: reason)
        case .metricsOnly: breaker.enableMetricsOnly(reason: reason)
        }
    }

    /// The action's name in resilience4j's actuator, whose `updateState` names the state to set.
    var resilience4jName: String {
        switch self {
        case .reset: "CLOSE"
        case .forceOpen: "FORCE_OPEN"
        case .disable: "DISABLE"
        case .metricsOnly: "METRICS_ONLY"
        }
    }

    /// The action in a request body, or why there is none: the body must be a JSON object whose
    /// only member is `action`, one of the actions' names, or `updateState`, one of their
    /// ``resilience4jName``s.
    static func parse(_ body: ByteBuffer) -> Result<CircuitAction, ActionError> {
        var reader = JSONObjectReader(Array(body.readableBytesView))
        guard let members = reader.stringMembers(), members.count == 1, let (key, value) = members.first,
            key == "action" || key == "updateState"
        else {
            return .failure(ActionError(message: #"the body must be a JSON object with one member, "action""#))
        }
        let action = key == "action" ? CircuitAction(rawValue: value) : allCases.first { $0.resilience4jName == value }
        guard let action else {
            return .failure(ActionError(message: "unknown \(key) \(CircuitsDocument.quoted(value))"))
        }
        return .success(action)
    }

    /// Why a body names no action; the message lists those there are.
    struct ActionError: Error {
        var message: String
        var description: String {
            message + "; actions: " + CircuitAction.allCases.map(\.rawValue).joined(separator: ", ")
        }
    }
}
