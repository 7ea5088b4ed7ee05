import FuzzSupport
import Retention

/// The retention-schedule parser on hostile text: it must return a schedule or a RetentionError,
/// never crash, and a parsed schedule must decide any recording without crashing.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: FuzzDriver.bytes(data, size), as: UTF8.self)
    guard let schedule = try? RetentionSchedule.parse(toml: text, source: "fuzz.toml") else { return 0 }
    let day = CivilDate(daysSince1970: 20_000)
    for id in schedule.classes.keys {
        let facts = RecordingRetentionFacts(classID: id, capturedAt: day, consentDate: day, consentWithdrawnAt: day,
                                            events: PatientEvents(lastContact: day, discharged: nil, died: day), onHold: false)
        _ = try? schedule.decide(facts)
    }
    return 0
}

@_cdecl("FuzzSchedule_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, testOneInput)
}
