/// Placeholder until basic authentication lands.
public struct BasicAuthentication: Sendable {}
