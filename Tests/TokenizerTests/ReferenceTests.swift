import Foundation
import Testing
import Tokenizer

@Suite("SmolLM2 tokenizer against llama.cpp")
struct ReferenceTests {
    @Test("every reference line encodes to llama.cpp's ids with special tokens as plain text")
    func plainIDs() throws {
        let tokenizer = try smolLM2.get()
        for line in try referenceLines() {
            #expect(tokenizer.encode(line.text, parseSpecial: false) == line.ids, "\(line.text.debugDescription)")
        }
    }

    @Test("every reference line encodes to llama.cpp's ids with special tokens parsed")
    func specialIDs() throws {
        let tokenizer = try smolLM2.get()
        for line in try referenceLines() {
            #expect(tokenizer.encode(line.text, parseSpecial: true) == line.idsWithSpecial, "\(line.text.debugDescription)")
        }
    }

    @Test("decoding the reference ids gives the text back byte for byte")
    func decodeRoundTrip() throws {
        let tokenizer = try smolLM2.get()
        for line in try referenceLines() {
            #expect(tokenizer.decodeBytes(line.ids) == Array(line.text.utf8), "\(line.text.debugDescription)")
            #expect(tokenizer.decode(line.idsWithSpecial) == line.text)
        }
    }

    @Test("the prompts of cases.json encode to their ids with special tokens parsed")
    func casePrompts() throws {
        let tokenizer = try smolLM2.get()
        for c in try referenceCases() {
            #expect(tokenizer.encode(c.prompt, parseSpecial: true) == c.ids, "\(c.prompt.debugDescription)")
        }
    }
}
