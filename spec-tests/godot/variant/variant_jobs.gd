# Variant encoding jobs for Godot 3.2.3 (var2bytes / bytes2var / StreamPeerBuffer.put_var).
# Usage: godot3-server --path DIR -s variant_jobs.gd   (DIR holds project.godot and jobs.txt)
# Blob files are sequences of <u32 little-endian length><bytes>. jobs.txt lines:
#   generate <seed> <per_type> <out>   seeded random values of every type 0..26 (objects too),
#                                      each written as var2bytes(value) (whole objects with var2bytes(v, true))
#   roundtrip <in> <out>               bytes2var then var2bytes of each blob (an empty blob when decoding fails)
#   streampeer <in> <out_le> <out_be>  StreamPeerBuffer.put_var of each decoded blob, little- and big-endian
#   tolerant <in> <out>                StreamPeerBuffer.get_var of each blob (nil when it does not decode: no
#                                      script error, unlike bytes2var), then var2bytes
# Prints "JOBS DONE <n>" at the end.
extends SceneTree

var rng = RandomNumberGenerator.new()
var key_serial = 0

func read_blobs(path):
	var f = File.new()
	var out = []
	if f.open(path, File.READ) != OK:
		return out
	while f.get_position() < f.get_len():
		var n = f.get_32()
		out.append(f.get_buffer(n))
	f.close()
	return out

func write_blobs(path, blobs):
	var f = File.new()
	f.open(path, File.WRITE)
	for b in blobs:
		f.store_32(b.size())
		f.store_buffer(b)
	f.close()

func rand_name():
	var letters = "abcdefghijklmnopqrstuvwxyz_"
	var s = ""
	for i in range(rng.randi_range(1, 8)):
		s += letters[rng.randi_range(0, letters.length() - 1)]
	return s

func rand_string():
	var s = ""
	for i in range(rng.randi_range(0, 12)):
		var kind = rng.randi_range(0, 7)
		var c
		if kind < 5:
			c = rng.randi_range(32, 126)
		elif kind < 7:
			c = rng.randi_range(0xA0, 0xD7FF)
		else:
			c = rng.randi_range(0x10000, 0x10FFFF)
		if c == 0xFEFF:
			c = 0x41
		s += char(c)
	return s

func rand_int():
	match rng.randi_range(0, 3):
		0:
			return rng.randi_range(-300, 300)
		1:
			return rng.randi() - 2147483648
		2:
			return rng.randi()
		_:
			return (rng.randi() << 32) | rng.randi()

func rand_float():
	match rng.randi_range(0, 4):
		0:
			return float(rng.randi_range(-4000, 4000)) / 8.0
		1:
			return rng.randf() * 1234.5678 + 0.1
		2:
			return [0.0, -0.0, INF, -INF, 1e20][rng.randi_range(0, 4)]
		_:
			return rng.randf_range(-1000.0, 1000.0)

func rand_real():
	if rng.randi_range(0, 2) == 0:
		return float(rng.randi_range(-64, 64)) / 4.0
	return (rng.randf() - 0.5) * pow(2.0, rng.randi_range(-8, 24))

func v2():
	return Vector2(rand_real(), rand_real())

func v3():
	return Vector3(rand_real(), rand_real(), rand_real())

func col():
	return Color(rand_real(), rand_real(), rand_real(), rand_real())

func rand_key():
	key_serial += 1
	if rng.randi_range(0, 1) == 0:
		return rand_name() + str(key_serial)
	return key_serial * 7919 + rng.randi_range(0, 7918)

func rand_any(depth):
	var t = rng.randi_range(0, 26)
	while t == TYPE_OBJECT or (depth <= 0 and (t == TYPE_ARRAY or t == TYPE_DICTIONARY)):
		t = rng.randi_range(0, 26)
	return rand_value(t, depth - 1)

func rand_value(t, depth):
	var n = rng.randi_range(0, 6)
	match t:
		TYPE_NIL:
			return null
		TYPE_BOOL:
			return rng.randi_range(0, 1) == 1
		TYPE_INT:
			return rand_int()
		TYPE_REAL:
			return rand_float()
		TYPE_STRING:
			return rand_string()
		TYPE_VECTOR2:
			return v2()
		TYPE_RECT2:
			return Rect2(v2(), v2())
		TYPE_VECTOR3:
			return v3()
		TYPE_TRANSFORM2D:
			return Transform2D(v2(), v2(), v2())
		TYPE_PLANE:
			return Plane(v3(), rand_real())
		TYPE_QUAT:
			return Quat(rand_real(), rand_real(), rand_real(), rand_real())
		TYPE_AABB:
			return AABB(v3(), v3())
		TYPE_BASIS:
			return Basis(v3(), v3(), v3())
		TYPE_TRANSFORM:
			return Transform(Basis(v3(), v3(), v3()), v3())
		TYPE_COLOR:
			return col()
		TYPE_NODE_PATH:
			var s = ""
			if rng.randi_range(0, 1) == 1:
				s = "/"
			for i in range(rng.randi_range(1, 4)):
				if i > 0:
					s += "/"
				s += rand_name()
			for i in range(rng.randi_range(0, 2)):
				s += ":" + rand_name()
			return NodePath(s)
		TYPE_RID:
			return RID()
		TYPE_OBJECT:
			if rng.randi_range(0, 1) == 0:
				return Reference.new()
			var r = Resource.new()
			r.resource_name = rand_string()
			return r
		TYPE_DICTIONARY:
			var d = {}
			if depth > 0:
				for i in range(rng.randi_range(0, 4)):
					d[rand_key()] = rand_any(depth)
			return d
		TYPE_ARRAY:
			var a = []
			if depth > 0:
				for i in range(rng.randi_range(0, 5)):
					a.append(rand_any(depth))
			return a
		TYPE_RAW_ARRAY:
			var a = PoolByteArray()
			for i in range(rng.randi_range(0, 13)):
				a.append(rng.randi_range(0, 255))
			return a
		TYPE_INT_ARRAY:
			var a = PoolIntArray()
			for i in range(n):
				a.append(rng.randi() - 2147483648)
			return a
		TYPE_REAL_ARRAY:
			var a = PoolRealArray()
			for i in range(n):
				a.append(rand_real())
			return a
		TYPE_STRING_ARRAY:
			var a = PoolStringArray()
			for i in range(n):
				a.append(rand_string())
			return a
		TYPE_VECTOR2_ARRAY:
			var a = PoolVector2Array()
			for i in range(n):
				a.append(v2())
			return a
		TYPE_VECTOR3_ARRAY:
			var a = PoolVector3Array()
			for i in range(n):
				a.append(v3())
			return a
		TYPE_COLOR_ARRAY:
			var a = PoolColorArray()
			for i in range(n):
				a.append(col())
			return a
	return null

func generate(seed_value, per_type):
	rng.seed = seed_value
	var blobs = []
	for t in range(27):
		for i in range(per_type):
			var v = rand_value(t, 3)
			# Objects: half by id, half whole (Resource.new() / Reference.new()).
			var whole = t == TYPE_OBJECT and i % 2 == 1
			blobs.append(var2bytes(v, whole))
	return blobs

func _init():
	var jobs = File.new()
	if jobs.open("res://jobs.txt", File.READ) != OK:
		print("JOBS MISSING")
		quit()
		return
	var done = 0
	while not jobs.eof_reached():
		var line = jobs.get_line().strip_edges()
		if line == "":
			continue
		var parts = line.split(" ")
		if parts[0] == "generate":
			write_blobs("res://" + parts[3], generate(int(parts[1]), int(parts[2])))
		elif parts[0] == "roundtrip":
			var out = []
			for b in read_blobs("res://" + parts[1]):
				var v = bytes2var(b, true)
				out.append(var2bytes(v, true))
			write_blobs("res://" + parts[2], out)
		elif parts[0] == "tolerant":
			var out = []
			for b in read_blobs("res://" + parts[1]):
				var spb = StreamPeerBuffer.new()
				spb.put_32(b.size())
				spb.put_data(b)
				spb.seek(0)
				out.append(var2bytes(spb.get_var()))
			write_blobs("res://" + parts[2], out)
		elif parts[0] == "streampeer":
			var le = []
			var be = []
			for b in read_blobs("res://" + parts[1]):
				var v = bytes2var(b, true)
				for big in [false, true]:
					var spb = StreamPeerBuffer.new()
					spb.big_endian = big
					spb.put_var(v)
					if big:
						be.append(spb.data_array)
					else:
						le.append(spb.data_array)
			write_blobs("res://" + parts[2], le)
			write_blobs("res://" + parts[3], be)
		done += 1
	jobs.close()
	print("JOBS DONE ", done)
	quit()
