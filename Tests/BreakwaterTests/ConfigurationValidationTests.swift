import Testing

@testable import Breakwater

@Suite("Configuration validation")
struct ConfigurationValidationTests {
    private func error(
        _ configuration: CircuitBreakerConfiguration, name: String = "payments"
    ) -> CircuitBreakerConfigurationError? {
        do {
            _ = try CircuitBreaker(name: name, configuration: configuration, clock: ManualClock())
            return nil
        } catch {
            return error
        }
    }

    @Test("the defaults are valid")
    func defaultsAreValid() {
        #expect(error(CircuitBreakerConfiguration()) == nil)
    }

    @Test("a rate threshold outside (0, 1] names the field and the range", arguments: [-0.1, 1.5, .nan, .infinity])
    func rateOutOfRange(rate: Double) {
        let failure = error(CircuitBreakerConfiguration(failureRateThreshold: rate))
        #expect(failure?.field == "failureRateThreshold")
        #expect(failure?.allowed == "greater than 0 and at most 1")
        #expect(error(CircuitBreakerConfiguration(slowCallRateThreshold: rate))?.field == "slowCallRateThreshold")
    }

    @Test("a rate threshold of 1 is allowed, one of 0 is not: it would open with no failure")
    func rateBounds() throws {
        #expect(error(CircuitBreakerConfiguration(failureRateThreshold: 0))?.field == "failureRateThreshold")
        #expect(error(CircuitBreakerConfiguration(slowCallRateThreshold: 0))?.field == "slowCallRateThreshold")
        #expect(error(CircuitBreakerConfiguration(failureRateThreshold: 0.000_001)) == nil)
        #expect(error(CircuitBreakerConfiguration(failureRateThreshold: 1, slowCallRateThreshold: 1)) == nil)
    }

    @Test("a window of zero calls, buckets or time is rejected")
    func emptyWindow() {
        #expect(error(CircuitBreakerConfiguration(slidingWindow: .countBased(size: 0)))?.field == "slidingWindow.size")
        #expect(error(CircuitBreakerConfiguration(slidingWindow: .timeBased(duration: .seconds(10), buckets: 0)))?.field == "slidingWindow.buckets")
        #expect(error(CircuitBreakerConfiguration(slidingWindow: .timeBased(duration: .zero)))?.field == "slidingWindow.duration")
        #expect(error(CircuitBreakerConfiguration(slidingWindow: .timeBased(duration: .milliseconds(5), buckets: 10)))?.allowed == "at least 1 millisecond per bucket")
    }

    @Test("negative and zero durations are rejected")
    func nonPositiveDurations() {
        #expect(error(CircuitBreakerConfiguration(openDuration: .fixed(.seconds(-1))))?.field == "openDuration")
        #expect(error(CircuitBreakerConfiguration(slowCallDurationThreshold: .zero))?.field == "slowCallDurationThreshold")
        #expect(error(CircuitBreakerConfiguration(maximumWaitInHalfOpen: .seconds(-5)))?.field == "maximumWaitInHalfOpen")
        #expect(error(CircuitBreakerConfiguration(openDuration: .exponential(initial: .zero, maximum: .seconds(1))))?.field == "openDuration.initial")
    }

    @Test("exponential backoff needs a multiplier of at least 1, a maximum above the initial wait, jitter below 1")
    func backoffFields() {
        #expect(error(CircuitBreakerConfiguration(openDuration: .exponential(initial: .seconds(1), multiplier: 0.5, maximum: .seconds(10))))?.field == "openDuration.multiplier")
        #expect(error(CircuitBreakerConfiguration(openDuration: .exponential(initial: .seconds(10), maximum: .seconds(1))))?.field == "openDuration.maximum")
        #expect(error(CircuitBreakerConfiguration(openDuration: .exponential(initial: .seconds(1), maximum: .seconds(10), jitter: 1)))?.field == "openDuration.jitter")
    }

    @Test("zero permitted probes, zero minimum calls and a zero failure threshold are rejected")
    func counts() {
        #expect(error(CircuitBreakerConfiguration(permittedCallsInHalfOpen: 0))?.field == "permittedCallsInHalfOpen")
        #expect(error(CircuitBreakerConfiguration(minimumNumberOfCalls: 0))?.field == "minimumNumberOfCalls")
        let threshold = error(CircuitBreakerConfiguration(consecutiveFailureThreshold: 0))
        #expect(threshold?.field == "consecutiveFailureThreshold")
        #expect(threshold?.description == "consecutiveFailureThreshold is 0, must be at least 1")
    }

    @Test("an empty or over-long name is rejected")
    func names() {
        #expect(error(CircuitBreakerConfiguration(), name: "")?.description == "name is empty, must be 1 to 128 UTF-8 bytes")
        #expect(error(CircuitBreakerConfiguration(), name: String(repeating: "x", count: 129))?.field == "name")
        #expect(error(CircuitBreakerConfiguration(), name: String(repeating: "x", count: 128)) == nil)
        #expect(error(CircuitBreakerConfiguration(), name: "zahlungen-ü\"\\\n") == nil)
    }

    @Test("the consecutive failure threshold is 5 only when no rate policy is set")
    func consecutiveDefault() {
        #expect(CircuitBreakerConfiguration().effectiveConsecutiveFailureThreshold == 5)
        #expect(CircuitBreakerConfiguration(failureRateThreshold: 0.5).effectiveConsecutiveFailureThreshold == nil)
        #expect(CircuitBreakerConfiguration(consecutiveFailureThreshold: 3, failureRateThreshold: 0.5).effectiveConsecutiveFailureThreshold == 3)
    }
}
