internal import Foundation

extension PseudonymKey {
    /// The canonical form of a patient identifier, hashed by ``pseudonym(of:)``:
    ///
    /// 1. Unicode NFC;
    /// 2. every White_Space scalar (spaces, tabs, newlines, NBSP, …) and every dash-punctuation
    ///    scalar (General_Category Pd: `-`, `‐`, `–`, `—`, …) removed, which also trims both ends;
    /// 3. Unicode default full uppercase mapping (`ß` → `SS`);
    /// 4. Unicode NFC again.
    ///
    /// `"943 476 5919"` → `"9434765919"`; `" ab-12 cd "` → `"AB12CD"`.
    public static func normalize(_ identifier: String) -> String {
        let composed = identifier.precomposedStringWithCanonicalMapping
        var kept = String.UnicodeScalarView()
        for scalar in composed.unicodeScalars
        where !scalar.properties.isWhitespace && scalar.properties.generalCategory != .dashPunctuation {
            kept.append(scalar)
        }
        return String(kept).uppercased().precomposedStringWithCanonicalMapping
    }
}
