# Builds wasm32-wasi command modules (guest tools, test guests, benchmark
# kernels) at build time with clang-19 and Debian's wasi-libc (+ libc++).
#
#   airlock_add_wasm(NAME
#       SOURCES src.c|src.cc... | SOURCES module.wat
#       [OPT -O2]                 # optimisation flag, default -O2
#       [CFLAGS flag...]          # extra compile flags (-D, -I, -W..., -m...)
#       [LDFLAGS flag...]         # extra link flags (-lm, -Wl,-z,stack-size=N,
#                                 #   -lwasi-emulated-process-clocks, ...)
#       [DEPENDS file-or-target...]  # extra build dependencies
#       [TARGET target-name])     # default: NAME_wasm
#
# Output: ${CMAKE_CURRENT_BINARY_DIR}/NAME.wasm, built as part of `all` by
# the custom target (NAME_wasm unless TARGET is given); the target's WASM_FILE
# property holds the path, e.g. $<TARGET_PROPERTY:hello_wasm,WASM_FILE>.
# C (.c) and C++ (.cc, .cpp) sources are compiled one object each, with
# header dependencies tracked, then linked with wasm-ld against wasi-libc
# (and libc++/libc++abi when there is C++), dropping DWARF (Debian's libc.a
# carries it; it would be 3/4 of a small module) but keeping the "name"
# section for symbolised traps; a single .wat source is assembled with
# wat2wasm instead (for hand-written test modules).
# Relative source paths are relative to the current source directory.
#
# C++ is built with -std=c++20 -fno-exceptions -fno-rtti: the engine does not
# implement the Wasm exception-handling proposal, so a `throw` (or a library
# call that would throw) aborts, which is a trap.
#
#   airlock_add_tool(NAME
#       SOURCES a.cc...           # the tool's handler (AIRLOCK_TOOL_MAIN)
#       MANIFEST manifest.json    # name, version, description, schemas, needs
#       [TESTS NAME_test.json...] # cases for the tool test driver
#       [CFLAGS ...] [LDFLAGS ...] [DEPENDS ...])
#
# Builds ${CMAKE_BINARY_DIR}/guest/tools/NAME.wasm (every tool in that one
# folder, which is what policies point ${AIRLOCK_TOOLS_DIR} at; target
# tool_NAME_wasm) linked with the guest SDK (guest/sdk). The manifest is
# checked at build time by airlock-manifest (a host program of guest/sdk): a
# bad manifest fails the build with the file and the problem. Its minified
# form is embedded twice: as data the SDK validates calls against, and as
# the custom section "airlock.manifest" (`wasm-objdump -h` lists it) for
# tools that inspect a module. With TESTS, ctest runs airlock-tool-test
# (tests/tools) on the module as test tool_NAME (label "tools").
# See docs/writing-tools.md.
#
# Toolchain: clang-19 --target=wasm32-wasi with a private sysroot under the
# build tree that holds only wasi-libc and libc++ (symlinks to
# /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi) and nlohmann-json
# (include/nlohmann -> /usr/include/nlohmann). `--sysroot=/usr` also works
# but puts the host's /usr/include and /usr/local/include on the search path,
# so a header missing from wasi-libc would silently resolve to glibc's. The
# compiler-rt builtins come from the clang resource dir
# (libclang-rt-19-dev-wasm32).
include_guard(GLOBAL)

find_program(AIRLOCK_WASM_CC NAMES clang-19
             DOC "clang able to target wasm32-wasi (Debian: clang-19)")
find_program(AIRLOCK_WASM_CXX NAMES clang++-19
             DOC "clang++ able to target wasm32-wasi (Debian: clang-19)")
find_program(AIRLOCK_WASM_AR NAMES llvm-ar-19 DOC "llvm-ar (Debian: llvm-19)")
find_program(AIRLOCK_WASM_OBJCOPY NAMES llvm-objcopy-19
             DOC "llvm-objcopy, adds custom sections (Debian: llvm-19)")
find_program(AIRLOCK_WAT2WASM NAMES wat2wasm DOC "WABT's wat2wasm")
if(NOT AIRLOCK_WASM_CC)
  message(FATAL_ERROR "clang-19 not found: run scripts/install-deps")
endif()
if(NOT EXISTS /usr/lib/wasm32-wasi/libc.a
   OR NOT EXISTS /usr/include/wasm32-wasi/stdio.h)
  message(FATAL_ERROR "wasi-libc not found in /usr: run scripts/install-deps")
endif()
if(NOT EXISTS /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a)
  message(FATAL_ERROR
          "libclang_rt.builtins-wasm32.a not found: run scripts/install-deps")
endif()

set(AIRLOCK_WASI_SYSROOT ${CMAKE_BINARY_DIR}/wasi-sysroot)
file(MAKE_DIRECTORY ${AIRLOCK_WASI_SYSROOT}/include ${AIRLOCK_WASI_SYSROOT}/lib)
file(CREATE_LINK /usr/include/wasm32-wasi
     ${AIRLOCK_WASI_SYSROOT}/include/wasm32-wasi SYMBOLIC)
file(CREATE_LINK /usr/lib/wasm32-wasi
     ${AIRLOCK_WASI_SYSROOT}/lib/wasm32-wasi SYMBOLIC)
# nlohmann-json is header-only and builds for wasm32-wasi; linking only its
# folder keeps the rest of the host's /usr/include off the guest's path.
if(EXISTS /usr/include/nlohmann/json.hpp)
  file(CREATE_LINK /usr/include/nlohmann
       ${AIRLOCK_WASI_SYSROOT}/include/nlohmann SYMBOLIC)
endif()

# C++ guests: libc++ headers live in /usr/include/wasm32-wasi/c++/v1, which
# clang finds through the sysroot link above.
set(AIRLOCK_WASM_CXXFLAGS -std=c++20 -fno-exceptions -fno-rtti)
# The guest SDK (guest/sdk) that airlock_add_tool links.
set(AIRLOCK_TOOL_SDK_DIR ${CMAKE_CURRENT_LIST_DIR}/../guest/sdk)
cmake_path(NORMAL_PATH AIRLOCK_TOOL_SDK_DIR)
# guest/sdk/CMakeLists.txt builds it there (airlock_add_wasm_library).
set(AIRLOCK_TOOL_SDK_LIB ${CMAKE_BINARY_DIR}/guest/sdk/libairlock_tool_sdk.a)
set(AIRLOCK_TOOLS_OUTPUT_DIR ${CMAKE_BINARY_DIR}/guest/tools)

function(_airlock_wasm_check_cxx)
  if(NOT AIRLOCK_WASM_CXX)
    message(FATAL_ERROR "clang++-19 not found: run scripts/install-deps")
  endif()
  if(NOT EXISTS /usr/include/wasm32-wasi/c++/v1/vector
     OR NOT EXISTS /usr/lib/wasm32-wasi/libc++.a
     OR NOT EXISTS /usr/lib/wasm32-wasi/libc++abi.a)
    message(FATAL_ERROR "libc++ for wasm32-wasi not found (packages "
            "libc++-19-dev-wasm32 libc++abi-19-dev-wasm32): run "
            "scripts/install-deps")
  endif()
endfunction()

# Compiles C/C++ sources to wasm32-wasi objects under OBJDIR; sets
# ${OUT_OBJECTS} to the object paths and ${OUT_CXX} to TRUE when one of them
# is C++ (the link then needs clang++ for libc++).
function(_airlock_wasm_objects OUT_OBJECTS OUT_CXX)
  cmake_parse_arguments(O "" "WHAT;OBJDIR;OPT" "SOURCES;CFLAGS;DEPENDS" ${ARGN})
  set(objects)
  set(cxx FALSE)
  foreach(src IN LISTS O_SOURCES)
    get_filename_component(src_abs ${src} ABSOLUTE)
    # The host compilers' launcher (e.g. ccache) serves these too: a C++
    # guest source with nlohmann-json takes seconds to compile.
    if(src MATCHES "\\.c$")
      set(compiler ${CMAKE_C_COMPILER_LAUNCHER} ${AIRLOCK_WASM_CC})
      set(langflags)
    elseif(src MATCHES "\\.(cc|cpp)$")
      _airlock_wasm_check_cxx()
      set(compiler ${CMAKE_CXX_COMPILER_LAUNCHER} ${AIRLOCK_WASM_CXX})
      set(langflags ${AIRLOCK_WASM_CXXFLAGS})
      set(cxx TRUE)
    else()
      message(FATAL_ERROR
              "${O_WHAT}: ${src}: only .c/.cc/.cpp sources (or one .wat)")
    endif()
    # Object path: relative to the source dir, or gen/... for generated
    # sources in the binary dir; "../" would escape OBJDIR.
    cmake_path(IS_PREFIX CMAKE_CURRENT_BINARY_DIR ${src_abs} NORMALIZE in_bin)
    if(in_bin)
      file(RELATIVE_PATH rel ${CMAKE_CURRENT_BINARY_DIR} ${src_abs})
      set(rel gen/${rel})
    else()
      file(RELATIVE_PATH rel ${CMAKE_CURRENT_SOURCE_DIR} ${src_abs})
    endif()
    string(REPLACE "../" "__/" rel ${rel})
    set(obj ${O_OBJDIR}/${rel}.o)
    get_filename_component(obj_dir ${obj} DIRECTORY)
    add_custom_command(
        OUTPUT ${obj}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${obj_dir}
        COMMAND ${compiler} --target=wasm32-wasi
                --sysroot=${AIRLOCK_WASI_SYSROOT} ${O_OPT} ${langflags}
                ${O_CFLAGS} -MD -MF ${obj}.d -c ${src_abs} -o ${obj}
        DEPENDS ${src_abs} ${O_DEPENDS}
        DEPFILE ${obj}.d
        COMMENT "Compiling ${rel} for wasm32-wasi"
        VERBATIM)
    list(APPEND objects ${obj})
  endforeach()
  set(${OUT_OBJECTS} ${objects} PARENT_SCOPE)
  set(${OUT_CXX} ${cxx} PARENT_SCOPE)
endfunction()

function(airlock_add_wasm NAME)
  cmake_parse_arguments(W "" "OPT;TARGET" "SOURCES;CFLAGS;LDFLAGS;DEPENDS"
                        ${ARGN})
  if(W_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
            "airlock_add_wasm(${NAME}): unknown arguments ${W_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT W_SOURCES)
    message(FATAL_ERROR "airlock_add_wasm(${NAME}): no SOURCES")
  endif()
  if(NOT W_OPT)
    set(W_OPT -O2)
  endif()
  if(NOT W_TARGET)
    set(W_TARGET ${NAME}_wasm)
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.wasm)

  list(LENGTH W_SOURCES n)
  list(GET W_SOURCES 0 first)
  get_filename_component(first_abs ${first} ABSOLUTE)
  if(first MATCHES "\\.wat$")
    if(NOT n EQUAL 1)
      message(FATAL_ERROR "airlock_add_wasm(${NAME}): a .wat source must be alone")
    endif()
    if(NOT AIRLOCK_WAT2WASM)
      message(FATAL_ERROR "wat2wasm not found: run scripts/install-deps")
    endif()
    add_custom_command(
        OUTPUT ${out}
        COMMAND ${AIRLOCK_WAT2WASM} ${first_abs} -o ${out}
        DEPENDS ${first_abs} ${W_DEPENDS}
        COMMENT "Assembling ${NAME}.wasm"
        VERBATIM)
  else()
    _airlock_wasm_objects(objects cxx
        WHAT "airlock_add_wasm(${NAME})"
        OBJDIR ${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/${NAME}.wasm.dir
        OPT ${W_OPT} SOURCES ${W_SOURCES} CFLAGS ${W_CFLAGS}
        DEPENDS ${W_DEPENDS})
    if(cxx)
      set(linker ${AIRLOCK_WASM_CXX} ${AIRLOCK_WASM_CXXFLAGS})
    else()
      set(linker ${AIRLOCK_WASM_CC})
    endif()
    add_custom_command(
        OUTPUT ${out}
        COMMAND ${linker} --target=wasm32-wasi
                --sysroot=${AIRLOCK_WASI_SYSROOT} ${W_OPT} -Wl,--strip-debug
                ${objects} ${W_LDFLAGS} -o ${out}
        DEPENDS ${objects}
        COMMENT "Linking ${NAME}.wasm"
        VERBATIM)
  endif()
  add_custom_target(${W_TARGET} ALL DEPENDS ${out})
  set_target_properties(${W_TARGET} PROPERTIES WASM_FILE ${out})
endfunction()

# A static library of wasm32-wasi objects (the guest SDK):
#   airlock_add_wasm_library(NAME SOURCES ... [OPT] [CFLAGS ...] [DEPENDS ...])
# builds ${CMAKE_CURRENT_BINARY_DIR}/libNAME.a (target NAME_wasm; property
# WASM_LIBRARY holds the path).
function(airlock_add_wasm_library NAME)
  cmake_parse_arguments(W "" "OPT" "SOURCES;CFLAGS;DEPENDS" ${ARGN})
  if(W_UNPARSED_ARGUMENTS OR NOT W_SOURCES)
    message(FATAL_ERROR "airlock_add_wasm_library(${NAME}): needs SOURCES "
            "(unknown arguments: ${W_UNPARSED_ARGUMENTS})")
  endif()
  if(NOT AIRLOCK_WASM_AR)
    message(FATAL_ERROR "llvm-ar-19 not found: run scripts/install-deps")
  endif()
  if(NOT W_OPT)
    set(W_OPT -O2)
  endif()
  _airlock_wasm_objects(objects cxx
      WHAT "airlock_add_wasm_library(${NAME})"
      OBJDIR ${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/lib${NAME}.a.dir
      OPT ${W_OPT} SOURCES ${W_SOURCES} CFLAGS ${W_CFLAGS}
      DEPENDS ${W_DEPENDS})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/lib${NAME}.a)
  add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E rm -f ${out}
      COMMAND ${AIRLOCK_WASM_AR} rcs ${out} ${objects}
      DEPENDS ${objects}
      COMMENT "Archiving lib${NAME}.a for wasm32-wasi"
      VERBATIM)
  add_custom_target(${NAME}_wasm ALL DEPENDS ${out})
  set_target_properties(${NAME}_wasm PROPERTIES WASM_LIBRARY ${out})
endfunction()

# Flags of the guest SDK and of every tool's sources (see guest/sdk).
set(AIRLOCK_TOOL_CFLAGS -DJSON_NOEXCEPTION -I${AIRLOCK_TOOL_SDK_DIR}/include
    -Wall -Wextra)
# 1 MiB of shadow stack (wasm-ld's default is 64 KiB), placed first so an
# overflow traps instead of overwriting data.
set(AIRLOCK_TOOL_LDFLAGS -Wl,-z,stack-size=1048576 -Wl,--stack-first)

function(airlock_add_tool NAME)
  cmake_parse_arguments(T "" "MANIFEST" "SOURCES;TESTS;CFLAGS;LDFLAGS;DEPENDS"
                        ${ARGN})
  set(what "airlock_add_tool(${NAME})")
  if(T_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${what}: unknown arguments ${T_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT NAME MATCHES "^[A-Za-z0-9_-]+$")
    message(FATAL_ERROR "${what}: a tool name is [A-Za-z0-9_-]{1,64}")
  endif()
  if(NOT T_SOURCES)
    message(FATAL_ERROR "${what}: no SOURCES")
  endif()
  if(NOT T_MANIFEST)
    message(FATAL_ERROR "${what}: no MANIFEST (manifest.json)")
  endif()
  if(NOT AIRLOCK_WASM_OBJCOPY)
    message(FATAL_ERROR "llvm-objcopy-19 not found: run scripts/install-deps")
  endif()
  get_filename_component(manifest ${T_MANIFEST} ABSOLUTE)
  if(NOT EXISTS ${manifest})
    message(FATAL_ERROR "${what}: MANIFEST ${manifest} does not exist")
  endif()

  set(work ${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/${NAME}.tool.dir)
  set(min_json ${work}/manifest.min.json)
  set(manifest_cc ${CMAKE_CURRENT_BINARY_DIR}/${NAME}_manifest.cc)
  # The manifest is checked before anything is compiled: its problems are
  # the ones a tool author makes most.
  add_custom_command(
      OUTPUT ${min_json} ${manifest_cc}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${work}
      COMMAND airlock-manifest --name ${NAME} --json-out ${min_json}
              --cc-out ${manifest_cc} ${manifest}
      DEPENDS ${manifest} airlock-manifest
      COMMENT "Checking the manifest of tool ${NAME}"
      VERBATIM)

  _airlock_wasm_objects(objects cxx
      WHAT "${what}" OBJDIR ${work} OPT -O2
      SOURCES ${T_SOURCES} ${manifest_cc}
      CFLAGS ${AIRLOCK_TOOL_CFLAGS} ${T_CFLAGS}
      DEPENDS ${T_DEPENDS})
  set(sdk_lib ${AIRLOCK_TOOL_SDK_LIB})
  # Linked under its final name: wasm-ld names the module after the file.
  set(linked ${work}/${NAME}.wasm)
  set(out ${AIRLOCK_TOOLS_OUTPUT_DIR}/${NAME}.wasm)
  add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${AIRLOCK_TOOLS_OUTPUT_DIR}
      COMMAND ${AIRLOCK_WASM_CXX} ${AIRLOCK_WASM_CXXFLAGS} --target=wasm32-wasi
              --sysroot=${AIRLOCK_WASI_SYSROOT} -O2 -Wl,--strip-debug
              ${AIRLOCK_TOOL_LDFLAGS} ${objects} ${sdk_lib} ${T_LDFLAGS}
              -o ${linked}
      COMMAND ${AIRLOCK_WASM_OBJCOPY}
              --add-section=airlock.manifest=${min_json} ${linked} ${out}
      DEPENDS ${objects} ${min_json} airlock_tool_sdk_wasm ${sdk_lib}
              ${T_DEPENDS}
      COMMENT "Linking tool ${NAME}.wasm"
      VERBATIM)
  add_custom_target(tool_${NAME}_wasm ALL DEPENDS ${out})
  set_target_properties(tool_${NAME}_wasm PROPERTIES WASM_FILE ${out})

  # tests/tools registers the ctest once the driver target exists (it is
  # defined after guest/).
  if(T_TESTS)
    set(cases)
    foreach(t IN LISTS T_TESTS)
      get_filename_component(t_abs ${t} ABSOLUTE)
      list(APPEND cases ${t_abs})
    endforeach()
    # One entry "NAME|MODULE|CASES..." ("|": ";" would split the entry).
    string(REPLACE ";" "|" cases "${cases}")
    set_property(GLOBAL APPEND PROPERTY AIRLOCK_TOOL_TESTS
                 "${NAME}|${out}|${cases}")
  endif()
endfunction()
