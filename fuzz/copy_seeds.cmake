# Run at build time (cmake -P) by fuzz/CMakeLists.txt: refills OUT_DIR with
# the checked-in seeds from SEEDS_DIR and every *.yaml in DEPLOY_DIR (as
# deploy-NAME.yaml). Either folder may be missing.
file(REMOVE_RECURSE "${OUT_DIR}")
file(MAKE_DIRECTORY "${OUT_DIR}")
file(GLOB seeds LIST_DIRECTORIES false "${SEEDS_DIR}/*")
foreach(seed IN LISTS seeds)
  file(COPY "${seed}" DESTINATION "${OUT_DIR}")
endforeach()
file(GLOB deploy LIST_DIRECTORIES false "${DEPLOY_DIR}/*.yaml"
     "${DEPLOY_DIR}/*.yml")
foreach(policy IN LISTS deploy)
  get_filename_component(name "${policy}" NAME)
  configure_file("${policy}" "${OUT_DIR}/deploy-${name}" COPYONLY)
endforeach()
