# Variant encoding jobs for Godot 4.6 (var_to_bytes / bytes_to_var / StreamPeerBuffer.put_var).
# Blobs are sequences of <u32 little-endian length><bytes>. Jobs (run_job):
#   ["generate", seed, per_type]   seeded random values of every type 0..38 (objects by id and whole),
#                                  each as var_to_bytes (whole objects: var_to_bytes_with_objects)
#   ["roundtrip", blobs]           bytes_to_var then var_to_bytes of each blob
#   ["roundtrip_objects", blobs]   the same with objects (bytes_to_var_with_objects, var_to_bytes_with_objects)
#   ["streampeer", blobs]          StreamPeerBuffer.put_var of each decoded blob, little- then big-endian
extends RefCounted

var rng := RandomNumberGenerator.new()
var key_serial := 0
var holder := RefCounted.new()

static func read_blobs(data: PackedByteArray) -> Array:
	var out := []
	var pos := 0
	while pos + 4 <= data.size():
		var n := data.decode_u32(pos)
		out.append(data.slice(pos + 4, pos + 4 + n))
		pos += 4 + n
	return out

static func write_blobs(blobs: Array) -> PackedByteArray:
	var out := PackedByteArray()
	for b in blobs:
		var head := PackedByteArray()
		head.resize(4)
		head.encode_u32(0, b.size())
		out.append_array(head)
		out.append_array(b)
	return out

func rand_name() -> String:
	var letters := "abcdefghijklmnopqrstuvwxyz_"
	var s := ""
	for i in rng.randi_range(1, 8):
		s += letters[rng.randi_range(0, letters.length() - 1)]
	return s

func rand_string() -> String:
	var s := ""
	for i in rng.randi_range(0, 12):
		var kind := rng.randi_range(0, 7)
		var c: int
		if kind < 5:
			c = rng.randi_range(32, 126)
		elif kind < 7:
			c = rng.randi_range(0xA0, 0xD7FF)
		else:
			c = rng.randi_range(0x10000, 0x10FFFF)
		if c == 0xFEFF:
			c = 0x41
		s += String.chr(c)
	return s

func rand_i32() -> int:
	return rng.randi() - 2147483648

func rand_int() -> int:
	match rng.randi_range(0, 3):
		0:
			return rng.randi_range(-300, 300)
		1:
			return rand_i32()
		2:
			return rng.randi()
		_:
			return (rng.randi() << 32) | rng.randi()

func rand_float() -> float:
	match rng.randi_range(0, 4):
		0:
			return float(rng.randi_range(-4000, 4000)) / 8.0
		1:
			return rng.randf() * 1234.5678 + 0.1
		2:
			return [0.0, -0.0, INF, -INF, 1e20][rng.randi_range(0, 4)]
		_:
			return rng.randf_range(-1000.0, 1000.0)

func rand_real() -> float:
	if rng.randi_range(0, 2) == 0:
		return float(rng.randi_range(-64, 64)) / 4.0
	return (rng.randf() - 0.5) * pow(2.0, rng.randi_range(-8, 24))

func v2() -> Vector2:
	return Vector2(rand_real(), rand_real())

func v3() -> Vector3:
	return Vector3(rand_real(), rand_real(), rand_real())

func v4() -> Vector4:
	return Vector4(rand_real(), rand_real(), rand_real(), rand_real())

func col() -> Color:
	return Color(rand_real(), rand_real(), rand_real(), rand_real())

func u64() -> int:
	return (rng.randi() << 32) | rng.randi()

const TYPED_ELEMENTS := [TYPE_BOOL, TYPE_INT, TYPE_FLOAT, TYPE_STRING, TYPE_VECTOR2, TYPE_VECTOR3I, TYPE_COLOR,
	TYPE_STRING_NAME, TYPE_NODE_PATH, TYPE_DICTIONARY, TYPE_ARRAY, TYPE_PACKED_BYTE_ARRAY, TYPE_PACKED_VECTOR2_ARRAY]

func rand_key(t: int) -> Variant:
	key_serial += 1
	match t:
		TYPE_STRING:
			return rand_name() + str(key_serial)
		TYPE_STRING_NAME:
			return StringName("n" + rand_name() + str(key_serial))
		TYPE_INT:
			return key_serial * 7919 + rng.randi_range(0, 7918)
		_:
			return Vector2i(key_serial, rand_i32())

func rand_any(depth: int) -> Variant:
	var t := rng.randi_range(0, TYPE_MAX - 1)
	while t == TYPE_OBJECT or (depth <= 0 and (t == TYPE_ARRAY or t == TYPE_DICTIONARY)):
		t = rng.randi_range(0, TYPE_MAX - 1)
	return rand_value(t, depth - 1)

func rand_value(t: int, depth: int) -> Variant:
	var n := rng.randi_range(0, 6)
	match t:
		TYPE_NIL:
			return null
		TYPE_BOOL:
			return rng.randi_range(0, 1) == 1
		TYPE_INT:
			return rand_int()
		TYPE_FLOAT:
			return rand_float()
		TYPE_STRING:
			return rand_string()
		TYPE_VECTOR2:
			return v2()
		TYPE_VECTOR2I:
			return Vector2i(rand_i32(), rand_i32())
		TYPE_RECT2:
			return Rect2(v2(), v2())
		TYPE_RECT2I:
			return Rect2i(rand_i32(), rand_i32(), rand_i32(), rand_i32())
		TYPE_VECTOR3:
			return v3()
		TYPE_VECTOR3I:
			return Vector3i(rand_i32(), rand_i32(), rand_i32())
		TYPE_TRANSFORM2D:
			return Transform2D(v2(), v2(), v2())
		TYPE_VECTOR4:
			return v4()
		TYPE_VECTOR4I:
			return Vector4i(rand_i32(), rand_i32(), rand_i32(), rand_i32())
		TYPE_PLANE:
			return Plane(v3(), rand_real())
		TYPE_QUATERNION:
			return Quaternion(rand_real(), rand_real(), rand_real(), rand_real())
		TYPE_AABB:
			return AABB(v3(), v3())
		TYPE_BASIS:
			return Basis(v3(), v3(), v3())
		TYPE_TRANSFORM3D:
			return Transform3D(Basis(v3(), v3(), v3()), v3())
		TYPE_PROJECTION:
			return Projection(v4(), v4(), v4(), v4())
		TYPE_COLOR:
			return col()
		TYPE_STRING_NAME:
			return StringName(rand_string())
		TYPE_NODE_PATH:
			var s := ""
			if rng.randi_range(0, 1) == 1:
				s = "/"
			for i in rng.randi_range(1, 4):
				if i > 0:
					s += "/"
				s += rand_name()
			for i in rng.randi_range(0, 2):
				s += ":" + rand_name()
			return NodePath(s)
		TYPE_RID:
			return rid_from_int64(u64())
		TYPE_OBJECT:
			if rng.randi_range(0, 1) == 0:
				return RefCounted.new()
			var r := Resource.new()
			r.resource_name = rand_string()
			return r
		TYPE_CALLABLE:
			return Callable()
		TYPE_SIGNAL:
			return Signal(holder, StringName(rand_name()))
		TYPE_DICTIONARY:
			var key_types := [TYPE_STRING, TYPE_STRING_NAME, TYPE_INT, TYPE_VECTOR2I]
			var kt: int = key_types[rng.randi_range(0, 3)]
			if rng.randi_range(0, 9) < 3:
				var vt: int = TYPE_NIL if rng.randi_range(0, 9) < 3 else TYPED_ELEMENTS[rng.randi_range(0, TYPED_ELEMENTS.size() - 1)]
				var td := Dictionary({}, kt, &"", null, vt, &"", null)
				if depth > 0:
					for i in rng.randi_range(0, 4):
						td[rand_key(kt)] = rand_any(depth) if vt == TYPE_NIL else rand_value(vt, depth - 1)
				return td
			var d := {}
			if depth > 0:
				for i in rng.randi_range(0, 4):
					d[rand_key(key_types[rng.randi_range(0, 3)])] = rand_any(depth)
			return d
		TYPE_ARRAY:
			var count := rng.randi_range(0, 5) if depth > 0 else 0
			if rng.randi_range(0, 9) < 3:
				var et: int = TYPED_ELEMENTS[rng.randi_range(0, TYPED_ELEMENTS.size() - 1)]
				var ta := Array([], et, &"", null)
				for i in count:
					ta.append(rand_value(et, depth - 1))
				return ta
			var a := []
			for i in count:
				a.append(rand_any(depth))
			return a
		TYPE_PACKED_BYTE_ARRAY:
			var a := PackedByteArray()
			for i in rng.randi_range(0, 13):
				a.append(rng.randi_range(0, 255))
			return a
		TYPE_PACKED_INT32_ARRAY:
			var a := PackedInt32Array()
			for i in n:
				a.append(rand_i32())
			return a
		TYPE_PACKED_INT64_ARRAY:
			var a := PackedInt64Array()
			for i in n:
				a.append(u64())
			return a
		TYPE_PACKED_FLOAT32_ARRAY:
			var a := PackedFloat32Array()
			for i in n:
				a.append(rand_real())
			return a
		TYPE_PACKED_FLOAT64_ARRAY:
			var a := PackedFloat64Array()
			for i in n:
				a.append(rand_float())
			return a
		TYPE_PACKED_STRING_ARRAY:
			var a := PackedStringArray()
			for i in n:
				a.append(rand_string())
			return a
		TYPE_PACKED_VECTOR2_ARRAY:
			var a := PackedVector2Array()
			for i in n:
				a.append(v2())
			return a
		TYPE_PACKED_VECTOR3_ARRAY:
			var a := PackedVector3Array()
			for i in n:
				a.append(v3())
			return a
		TYPE_PACKED_COLOR_ARRAY:
			var a := PackedColorArray()
			for i in n:
				a.append(col())
			return a
		TYPE_PACKED_VECTOR4_ARRAY:
			var a := PackedVector4Array()
			for i in n:
				a.append(v4())
			return a
	return null

func generate(seed_value: int, per_type: int) -> Array:
	rng.seed = seed_value
	var blobs := []
	for t in TYPE_MAX:
		for i in per_type:
			var v: Variant = rand_value(t, 3)
			if t == TYPE_OBJECT and i % 2 == 1:
				blobs.append(var_to_bytes_with_objects(v))
			else:
				blobs.append(var_to_bytes(v))
	return blobs

## One job; returns a list of blob lists (streampeer: two).
func run_job(job: Array) -> Array:
	match job[0]:
		"generate":
			return [generate(job[1], job[2])]
		"roundtrip":
			var out := []
			for b in job[1]:
				out.append(var_to_bytes(bytes_to_var(b)))
			return [out]
		"roundtrip_objects":
			var out := []
			for b in job[1]:
				out.append(var_to_bytes_with_objects(bytes_to_var_with_objects(b)))
			return [out]
		"streampeer":
			var le := []
			var be := []
			for b in job[1]:
				var v: Variant = bytes_to_var_with_objects(b)
				for big in [false, true]:
					var spb := StreamPeerBuffer.new()
					spb.big_endian = big
					spb.put_var(v, true)
					if big:
						be.append(spb.data_array)
					else:
						le.append(spb.data_array)
			return [le, be]
	return []
