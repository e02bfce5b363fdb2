import Foundation
import JSON
import PipeCache
import Testing

@Suite("Cache keys")
struct CacheKeyTests {
    let material = CacheKeyMaterial(
        kind: "train", version: 3,
        params: ["r": 16, "lr": 0.0002, "targets": ["q_proj", "v_proj"], "schedule": "cosine"],
        inputs: ["model": String(repeating: "a", count: 64), "dataset": String(repeating: "b", count: 64)],
        files: ["data/medical.jsonl": String(repeating: "c", count: 64)]
    )

    @Test("the canonical form sorts keys, drops whitespace and spells numbers one way")
    func canonicalForm() throws {
        let value = try JSONParser.parse(#"{ "b": [1.0, 2e-4, -0.5, 1e21], "a": {"z": true, "y": null}, "c": "\u00e9\n" }"#)
        #expect(value.canonicalText == #"{"a":{"y":null,"z":true},"b":[1,0.0002,-0.5,1e+21],"c":"é\n"}"#)
    }

    @Test("the key of fixed material is a fixed digest (golden)")
    func golden() {
        #expect(material.json.canonicalText == #"{"files":{"data/medical.jsonl":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},"inputs":{"dataset":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","model":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},"kind":"train","params":{"lr":0.0002,"r":16,"schedule":"cosine","targets":["q_proj","v_proj"]},"version":3}"#)
        #expect(material.key == "8bb2d8e9d3376bcadc92dfacaa3006b6e8bd06999bc7d956c29ec7331fe7ccdc")
    }

    @Test("key order and number spelling do not change the key; values do")
    func invariance() throws {
        var same = material
        same.params = JSONValueBox(try JSONParser.parse(#"{"schedule": "cosine", "targets": ["q_proj", "v_proj"], "lr": 2e-4, "r": 16.0}"#))
        #expect(same.key == material.key)
        var other = material
        other.params = JSONValueBox(try JSONParser.parse(#"{"schedule": "cosine", "targets": ["v_proj", "q_proj"], "lr": 2e-4, "r": 16}"#))
        #expect(other.key != material.key)
        var newer = material
        newer.version = 4
        #expect(newer.key != material.key)
    }

    @Test("material survives a round trip through its record on disk")
    func codable() throws {
        let data = try JSONEncoder().encode(material)
        #expect(try JSONDecoder().decode(CacheKeyMaterial.self, from: data) == material)
    }
}
